"""Framework overhead of a training step: mmpretrain ImageClassifier + mmengine OptimWrapper
(data preprocessor, data samples, head loss) vs the same network in bare torch, measured side by
side in one process, interleaved, on the same batch. Prints the ratio (target: <= 1.10)."""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

import mmkd_plugins  # noqa: F401
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--arch', default='resnet20')
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    mm = MODELS.build(dict(
        type='ImageClassifier',
        data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=10, mean=[72.94],
                               std=[90.02], to_rgb=False),
        backbone=dict(type='CIFARResNet', arch=args.arch, in_channels=1),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=64 if 'x4' not in
                  args.arch else 256)))
    bare_backbone = MODELS.build(dict(type='CIFARResNet', arch=args.arch, in_channels=1))
    bare_fc = torch.nn.Linear(mm.head.fc.in_features, 10)
    bare_params = list(bare_backbone.parameters()) + list(bare_fc.parameters())
    opt_mm = OptimWrapper(torch.optim.SGD(mm.parameters(), lr=0.01, momentum=0.9))
    opt_bare = torch.optim.SGD(bare_params, lr=0.01, momentum=0.9)
    mean, std = torch.tensor(72.94), torch.tensor(90.02)

    imgs = torch.randint(0, 256, (args.batch, 1, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (args.batch, ))
    batch = dict(inputs=list(imgs), data_samples=[
        DataSample().set_gt_label(int(y)) for y in labels])

    def step_mm():
        mm.train_step(batch, opt_mm)

    def step_bare():
        x = (imgs.float() - mean) / std
        feat = bare_backbone(x)[-1].mean((2, 3))
        loss = F.cross_entropy(bare_fc(feat), labels)
        opt_bare.zero_grad()
        loss.backward()
        opt_bare.step()

    times = {'mmpretrain+mmengine': [], 'bare torch': []}
    for _ in range(3):
        step_mm(), step_bare()
    for _ in range(args.steps):  # interleaved: both see the same machine state
        for name, fn in (('mmpretrain+mmengine', step_mm), ('bare torch', step_bare)):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med['mmpretrain+mmengine'] / med['bare torch']
    print(f'{args.arch}, batch {args.batch}, {args.threads} threads, median of {args.steps}')
    for k, v in med.items():
        print(f'  {k:22s} {v * 1000:8.1f} ms/step')
    print(f'  ratio mm/bare: {ratio:.3f}  (target <= 1.10: {"OK" if ratio <= 1.10 else "MISS"})')


if __name__ == '__main__':
    main()
