"""KDCL step time with m = 2, 3, 4 students / (m x one student's plain CE step), side by side
in one process, steps interleaved, median reported (target <= 1.05). Same resnet20, same batch;
KDCL gets m views (copies of the batch), the plain student one."""
import argparse
import copy
import statistics
import time

import torch

import mmkd_plugins  # noqa: F401
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS as CLS_MODELS
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--ensemble', default='MinLogit')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    student = dict(type='ImageClassifier',
                   backbone=dict(type='CIFARResNet', arch='resnet20', in_channels=1),
                   neck=dict(type='GlobalAveragePooling'),
                   head=dict(type='LinearClsHead', num_classes=10, in_channels=64))
    pre = dict(mean=[72.94], std=[90.02], to_rgb=False)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        plain = CLS_MODELS.build(dict(copy.deepcopy(student), data_preprocessor=dict(
            type='ClsDataPreprocessor', num_classes=10, **pre)))
        kdcl = {m: MODELS.build(dict(type='mmrazor.KDCL', students=[student] * m,
                                     ensemble=dict(type=args.ensemble),
                                     data_preprocessor=pre)) for m in (2, 3, 4)}
    models = {'plain': plain, **{f'KDCL m={m}': k for m, k in kdcl.items()}}
    optims = {k: OptimWrapper(torch.optim.SGD(v.parameters(), lr=0.01, momentum=0.9))
              for k, v in models.items()}
    imgs = torch.randint(0, 256, (args.batch, 1, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (args.batch, ))

    def batch(m):
        samples = [DataSample().set_gt_label(int(y)) for y in labels]
        if m is None:
            return dict(inputs=imgs, data_samples=samples)
        return dict(inputs=[imgs.clone() for _ in range(m)], data_samples=samples)

    views = {'plain': None, 'KDCL m=2': 2, 'KDCL m=3': 3, 'KDCL m=4': 4}
    times = {k: [] for k in models}
    for _ in range(2):
        for k, model in models.items():
            model.train_step(batch(views[k]), optims[k])
    for _ in range(args.steps):
        for k, model in models.items():
            data = batch(views[k])
            t = time.perf_counter()
            model.train_step(data, optims[k])
            times[k].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f'resnet20 students, batch {args.batch}, {args.ensemble}, {args.threads} threads, '
          f'median of {args.steps} interleaved steps; plain step {med["plain"] * 1000:.1f} ms')
    for m in (2, 3, 4):
        ratio = med[f'KDCL m={m}'] / (m * med['plain'])
        print(f'  KDCL m={m}: {med[f"KDCL m={m}"] * 1000:8.1f} ms   / ({m} x plain) = '
              f'{ratio:.3f}  (target <= 1.05: {"OK" if ratio <= 1.05 else "MISS"})')


if __name__ == '__main__':
    main()
