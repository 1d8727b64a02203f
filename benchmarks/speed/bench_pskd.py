"""PS-KD overhead, measured side by side in one process on the same model and batch:

- step time of PS-KD (memory) / plain CE training      (target <= 1.03)
- step time of PS-KD (snapshot) / plain CE training    (target <= 1 + forward share + 0.05)
- bytes of the prediction memory at ImageNet-1k size (N = 1,281,167, C = 1000) for float32,
  float16 and top-k, from the per-sample bytes of real PredictionMemory instances.

Steps are interleaved (plain, memory, snapshot, plain, ...) so all three see the same machine
state; the median of each is reported.
"""
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

from mmkd_plugins.models.algorithms import PredictionMemory


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--arch', default='resnet20')
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--steps', type=int, default=15)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev = torch.device(args.device)
    n, c = 1024, 10
    arch = dict(type='ImageClassifier',
                data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=c,
                                       mean=[72.94], std=[90.02], to_rgb=False),
                backbone=dict(type='CIFARResNet', arch=args.arch, in_channels=1),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=c,
                          in_channels=256 if 'x4' in args.arch else 64))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        plain = CLS_MODELS.build(copy.deepcopy(arch)).to(dev)
        mem = MODELS.build(dict(type='mmrazor.PSKD', architecture=copy.deepcopy(arch),
                                source='memory', memory=dict(num_samples=n))).to(dev)
        snap = MODELS.build(dict(type='mmrazor.PSKD', architecture=copy.deepcopy(arch),
                                 source='snapshot')).to(dev)
    for algo in (mem, snap):
        algo.set_alpha(1, 4)
    snap.update_snapshot()
    models = {'plain CE': plain, 'PS-KD memory': mem, 'PS-KD snapshot': snap}
    optims = {k: OptimWrapper(torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9))
              for k, m in models.items()}

    imgs = torch.randint(0, 256, (args.batch, 1, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, c, (args.batch, ))
    idx = torch.randperm(n)[:args.batch]

    def make_batch():
        return dict(inputs=list(imgs), data_samples=[
            DataSample(metainfo=dict(sample_idx=int(i))).set_gt_label(int(y))
            for i, y in zip(idx, labels)])

    def sync():
        if dev.type == 'cuda':
            torch.cuda.synchronize()

    def forward_only():
        with torch.no_grad():
            data = plain.data_preprocessor(make_batch(), True)
            plain(data['inputs'], mode='tensor')

    times = {k: [] for k in list(models) + ['forward only']}
    for _ in range(3):
        for k, m in models.items():
            m.train_step(make_batch(), optims[k])
    for _ in range(args.steps):
        for k, m in models.items():
            sync()
            t = time.perf_counter()
            m.train_step(make_batch(), optims[k])
            sync()
            times[k].append(time.perf_counter() - t)
        t = time.perf_counter()
        forward_only()
        sync()
        times['forward only'].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med['plain CE']
    share = med['forward only'] / base
    print(f'{args.arch}, batch {args.batch}, device {dev}, {args.threads} threads, '
          f'median of {args.steps} interleaved steps')
    for k, v in med.items():
        print(f'  {k:16s} {v * 1000:8.1f} ms   ratio to plain {v / base:.3f}')
    r_mem, r_snap = med['PS-KD memory'] / base, med['PS-KD snapshot'] / base
    print(f'  memory/plain   {r_mem:.3f}  (target <= 1.03: {"OK" if r_mem <= 1.03 else "MISS"})')
    print(f'  snapshot/plain {r_snap:.3f}  (target <= 1 + {share:.3f} + 0.05 = '
          f'{1 + share + 0.05:.3f}: {"OK" if r_snap <= 1 + share + 0.05 else "MISS"})')

    n_in, c_in = 1_281_167, 1000
    print(f'prediction memory at ImageNet-1k size (N={n_in:,}, C={c_in}):')
    for name, kw in (('float32', {}), ('float16', dict(dtype='float16')),
                     ('top-10 (fp16 values, int16 ids)', dict(topk=10)),
                     ('top-20', dict(topk=20))):
        per_sample = PredictionMemory(1000, c_in, **kw).nbytes() / 1000
        print(f'  {name:34s} {per_sample * n_in / 1e6:10.1f} MB')


if __name__ == '__main__':
    main()
