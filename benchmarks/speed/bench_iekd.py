"""IE-KD step time / Hinton KD step time on the same teacher-student pair (resnet32x4 ->
resnet20, Fashion-MNIST configs), side by side in one process, steps interleaved, medians
(target <= 1.15). Weights are untrained stand-ins (time does not depend on them); the plain
student's step is printed for scale."""
import argparse
import os.path as osp
import statistics
import tempfile
import time

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

import mmkd_plugins  # noqa: F401

from mmkd_plugins.testing import standin_checkpoints

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

CONFIGS = {
    'plain': 'configs/baseline/resnet8_1xb128_fashion-mnist-5k.py',
    'KD': 'configs/kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'IE-KD': 'configs/iekd/iekd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'IE-KD + KD': 'configs/iekd/iekd-kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tmp = tempfile.mkdtemp(prefix='bench_iekd_')
    models = {}
    for name, rel in CONFIGS.items():
        cfg = standin_checkpoints(Config.fromfile(osp.join(REPO, rel)), tmp)
        model_cfg = cfg.model
        if name == 'plain':
            model_cfg = dict(model_cfg, data_preprocessor=dict(cfg.data_preprocessor,
                                                               type='ClsDataPreprocessor'))
        else:
            model_cfg = dict(model_cfg, data_preprocessor=dict(cfg.data_preprocessor))
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            models[name] = MODELS.build(model_cfg)
    optims = {k: OptimWrapper(torch.optim.SGD([p for p in v.parameters() if p.requires_grad],
                                              lr=0.01, momentum=0.9))
              for k, v in models.items()}
    imgs = torch.randint(0, 256, (args.batch, 1, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (args.batch, ))

    def batch():
        return dict(inputs=imgs, data_samples=[DataSample().set_gt_label(int(y)) for y in labels])

    for _ in range(2):
        for k, model in models.items():
            model.train()
            model.train_step(batch(), optims[k])
    times = {k: [] for k in models}
    for _ in range(args.steps):
        for k, model in models.items():
            data = batch()
            t = time.perf_counter()
            model.train_step(data, optims[k])
            times[k].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f'resnet32x4 -> resnet20, batch {args.batch}, {args.threads} threads, median of '
          f'{args.steps} interleaved steps')
    for k, v in med.items():
        print(f'  {k:12s} {v * 1000:8.1f} ms')
    for k in ('IE-KD', 'IE-KD + KD'):
        ratio = med[k] / med['KD']
        print(f'  {k} / KD = {ratio:.3f}  (target <= 1.15: {"OK" if ratio <= 1.15 else "MISS"})')


if __name__ == '__main__':
    main()
