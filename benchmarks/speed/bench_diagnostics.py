"""Overhead of ``DistillDiagnosticsHook`` at its defaults (1,000 training images scored at every
validation, a gradient-ratio sample every 50 iterations) on the accuracy protocol, measured
inside the run it is part of: the time spent in the hook (its callbacks and the gradient ratios
it takes inside the training step) against the rest of the same run, per epoch (training on
5,000 images + validation on the 10,000 test images) and for a whole 40-epoch run (40 x epoch +
the one-off set-up: the hook builds its loader of training images once). Target: <= 1.03.

Timing the hook inside one run, rather than a run with the hook against one without, is what
makes the ratio readable on a shared 2-core VM: there, epochs of two separate runs of the same
config differ by more than the hook costs.

    python -m benchmarks.speed.bench_diagnostics [--epochs 3] [--threads 2]
"""
import argparse
import functools
import os.path as osp
import tempfile
import time

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CASES = {
    'resnet8 alone': 'configs/baseline/resnet8_1xb128_fashion-mnist-5k.py',
    'Hinton KD resnet20 -> resnet8x0.5':
        'configs/kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'FitNets resnet20 -> resnet8x0.5':
        'configs/fitnets/fitnets_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'KDCL-MinLogit 2 x resnet8': 'configs/kdcl/kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-5k.py',
    'PS-KD resnet20': 'configs/pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py',
}
CALLBACKS = ('before_train', 'after_val_epoch', 'before_train_iter', 'after_train_iter',
             '_grad_ratio')


def timed_run(config, epochs, tmp):
    """(seconds of runner.train(), {hook callback: seconds spent in it})."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from mmkd_plugins.engine.hooks import DistillDiagnosticsHook
    from mmkd_plugins.testing import standin_checkpoints
    spent = dict.fromkeys(CALLBACKS, 0.0)
    originals = {name: getattr(DistillDiagnosticsHook, name) for name in CALLBACKS}

    def timer(name, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t
        return wrapped

    for name, fn in originals.items():
        fn = fn.__func__ if isinstance(fn, staticmethod) else fn
        wrapped = timer(name, fn)
        setattr(DistillDiagnosticsHook, name,
                staticmethod(wrapped) if name == '_grad_ratio' else wrapped)
    try:
        cfg = Config.fromfile(osp.join(REPO, config))
        standin_checkpoints(cfg, tmp)
        cfg.work_dir = tmp
        cfg.log_level = 'WARNING'
        cfg.train_cfg.max_epochs = epochs
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
        runner = Runner.from_cfg(cfg)
        t = time.perf_counter()
        runner.train()
        return time.perf_counter() - t, spent
    finally:
        for name, fn in originals.items():
            setattr(DistillDiagnosticsHook, name, fn)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    import mmkd_plugins  # noqa: F401
    print(f'{args.epochs} protocol epochs per case, {args.threads} threads; seconds')
    print('| case | epoch without the hook | hook per epoch | epoch with / without | '
          'one-off set-up | 40-epoch run with / without | target <= 1.03 |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for name, config in CASES.items():
        total, spent = timed_run(config, args.epochs, tempfile.mkdtemp(prefix='bench_'))
        per_epoch_hook = (sum(spent.values()) - spent['before_train']) / args.epochs
        epoch = (total - sum(spent.values())) / args.epochs
        run40 = (40 * (epoch + per_epoch_hook) + spent['before_train']) / (40 * epoch)
        print(f'| {name} | {epoch:.2f} | {per_epoch_hook:.3f} | '
              f'{(epoch + per_epoch_hook) / epoch:.3f} | {spent["before_train"]:.2f} | '
              f'{run40:.3f} | {"met" if run40 <= 1.03 else "missed"} |', flush=True)


if __name__ == '__main__':
    main()
