"""Overhead of ``DistillDiagnosticsHook`` at its defaults (1,000 training images scored at every
validation, a gradient-ratio sample every 50 iterations): one protocol epoch (5,000 images,
40 iterations, then the validation on the 10,000 test images) with the hook against the same
epoch without it, side by side in one process, alternating, medians. Target: <= 1.03.

    python -m benchmarks.speed.bench_diagnostics [--rounds 3] [--threads 2]
"""
import argparse
import os.path as osp
import statistics
import tempfile
import time

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CASES = {
    'resnet8 alone': 'configs/baseline/resnet8_1xb128_fashion-mnist-5k.py',
    'Hinton KD resnet20 -> resnet8x0.5': 'configs/kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'KDCL-MinLogit 2 x resnet8': 'configs/kdcl/kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-5k.py',
}


def epoch_seconds(config, diagnostics, tmp):
    """Wall time of ``runner.train()`` for one epoch with its validation."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from mmkd_plugins.testing import standin_checkpoints
    cfg = Config.fromfile(osp.join(REPO, config))
    standin_checkpoints(cfg, tmp)
    cfg.work_dir = tmp
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
    if not diagnostics:
        cfg.default_hooks.diagnostics = None  # mmengine: a default hook set to None is off
    runner = Runner.from_cfg(cfg)
    t = time.perf_counter()
    runner.train()
    return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    import mmkd_plugins  # noqa: F401
    print(f'one protocol epoch + validation, {args.threads} threads, median of {args.rounds} '
          'alternating rounds; seconds')
    print('| case | without the hook | with the hook | with / without | target <= 1.03 |')
    print('| --- | --- | --- | --- | --- |')
    for name, config in CASES.items():
        times = {False: [], True: []}
        epoch_seconds(config, True, tempfile.mkdtemp(prefix='bench_'))  # warm-up, not counted
        for _ in range(args.rounds):
            for on in (False, True):
                times[on].append(epoch_seconds(config, on, tempfile.mkdtemp(prefix='bench_')))
        off, on = statistics.median(times[False]), statistics.median(times[True])
        print(f'| {name} | {off:.2f} | {on:.2f} | {on / off:.3f} | '
              f'{"met" if on / off <= 1.03 else "missed"} |', flush=True)


if __name__ == '__main__':
    main()
