"""Overhead of ``DistillDiagnosticsHook`` at the protocol's settings (1,000 training and 1,000
held-out images scored at every validation, a gradient-ratio sample every 50 iterations) on an
accuracy protocol, measured
inside the run it is part of: the time spent in the hook (its callbacks and the gradient ratios
it takes inside the training step) against the rest of the same run, per epoch in steady state
and for a whole run of the protocol's length (its epochs x (epoch + hook) + the one-off costs:
the hook builds its loaders once, and the first validation reads the scored images and
computes a frozen teacher's outputs on them, both kept after). Target: <= 1.03.

Each case runs two validation intervals (``--intervals``): fashion-mnist-1k 30 epochs of 1,000
images (validation every 15), fashion-mnist-5k 2 epochs of 5,000 (every epoch); the last
validation's time is the steady state, the first's excess over it is one-off.

Timing the hook inside one run, rather than a run with the hook against one without, is what
makes the ratio readable on a shared 2-core VM: there, epochs of two separate runs of the same
config differ by more than the hook costs.

    python -m benchmarks.speed.bench_diagnostics [--protocol fashion-mnist-5k] [--intervals 2]
        [--threads 2]
"""
import argparse
import functools
import os.path as osp
import tempfile
import time

import torch

from benchmarks.accuracy.protocol import DEFAULT_PROTOCOL, PROTOCOLS, REPO, protocol_config

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


def timed_run(config, intervals, tmp):
    """Train ``config`` for ``intervals`` of its validation interval: (seconds of
    runner.train(), {hook callback: seconds spent in it}, [seconds of each after_val_epoch
    call], the validation interval in epochs)."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from mmkd_plugins.engine.hooks import DistillDiagnosticsHook
    from mmkd_plugins.testing import standin_checkpoints
    spent = dict.fromkeys(CALLBACKS, 0.0)
    validations = []
    originals = {name: getattr(DistillDiagnosticsHook, name) for name in CALLBACKS}

    def timer(name, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - t
                spent[name] += seconds
                if name == 'after_val_epoch':
                    validations.append(seconds)
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
        interval = cfg.train_cfg.val_interval
        cfg.train_cfg.max_epochs = intervals * interval
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
        runner = Runner.from_cfg(cfg)
        t = time.perf_counter()
        runner.train()
        return time.perf_counter() - t, spent, validations, interval
    finally:
        for name, fn in originals.items():
            setattr(DistillDiagnosticsHook, name, fn)


def overhead(total, spent, validations, epochs, interval, full):
    """(epoch without the hook, hook per epoch in steady state, one-off seconds, ratio of a
    ``full``-epoch run with / without the hook). The first validation's excess over the last
    is one-off (a frozen teacher's outputs on the scored images are computed then and kept),
    as is ``before_train`` (the loader is built once)."""
    hook = sum(spent.values())
    epoch = (total - hook) / epochs
    steady_val = validations[-1]
    per_iter_part = (hook - spent['before_train'] - sum(validations)) / epochs
    per_epoch = per_iter_part + steady_val / interval
    one_off = spent['before_train'] + validations[0] - steady_val
    return epoch, per_epoch, one_off, (full * (epoch + per_epoch) + one_off) / (full * epoch)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--protocol', default=DEFAULT_PROTOCOL, choices=list(PROTOCOLS))
    p.add_argument('--intervals', type=int, default=2,
                   help='validation intervals per case (>= 2: the last validation is the '
                        'steady state)')
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    if args.intervals < 2:
        p.error(f'--intervals {args.intervals}: use 2 or more (the first validation carries '
                'one-off costs; the steady state is read from a later one)')
    full = PROTOCOLS[args.protocol]['epochs']
    torch.set_num_threads(args.threads)
    import mmkd_plugins  # noqa: F401
    print(f'{args.protocol}: {args.intervals} validation intervals per case, {args.threads} '
          'threads; seconds')
    print('| case | epoch without the hook | hook per epoch (steady) | epoch with / without | '
          f'one-off | {full}-epoch run with / without | target <= 1.03 |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    for name, config in CASES.items():
        total, spent, validations, interval = timed_run(
            protocol_config(config, args.protocol), args.intervals,
            tempfile.mkdtemp(prefix='bench_'))
        epoch, per_epoch, one_off, run = overhead(total, spent, validations,
                                                  args.intervals * interval, interval, full)
        print(f'| {name} | {epoch:.2f} | {per_epoch:.3f} | {(epoch + per_epoch) / epoch:.3f} | '
              f'{one_off:.2f} | {run:.3f} | {"met" if run <= 1.03 else "missed"} |', flush=True)


if __name__ == '__main__':
    main()
