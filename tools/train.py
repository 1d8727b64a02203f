"""Train a model from an OpenMMLab config (modelled on mmpretrain's tools/train.py).

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--tensorboard]
                             [--distill-off] [--cfg-options k=v ...]
    bash tools/dist_train.sh CONFIG NUM_GPUS [same options]
"""
import os
import os.path as osp

import mmkd_plugins  # noqa: F401  (stack fixes + registrations, also without custom_imports)
from mmengine.config import DictAction
from mmengine.hooks import Hook
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmkd_plugins.cli import ArgumentParser, load_config, existing_file, run
from mmkd_plugins.dist import setup_distributed
from mmkd_plugins.distill_off import distill_off


class _LastValMetrics(Hook):
    """Keeps the metrics of the last validation, printed when training ends."""
    priority = 'LOWEST'

    def __init__(self):
        self.metrics = None

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = metrics


def parse_args():
    parser = ArgumentParser(description='Train a model from an OpenMMLab config.')
    parser.add_argument('config', type=existing_file, help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or from the latest one in the work dir if no '
        'checkpoint is given')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision (GPU)')
    parser.add_argument('--tensorboard', action='store_true',
                        help='also log to TensorBoard (mmengine TensorboardVisBackend, events in '
                        'WORK_DIR/<timestamp>/vis_data/); same as _base_/tensorboard.py')
    parser.add_argument('--distill-off', action='store_true',
                        help='the control run: every distillation weight 0, every CE weight 1, '
                        'everything else as in CONFIG (mmkd_plugins/distill_off.py); compare a '
                        'run that did not help with it')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the actual total batch size / base_batch_size')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, key=value (lists as key="[a,b]")')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    """Merge command-line arguments into the config (the same rules as mmpretrain's tool)."""
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.tensorboard:
        vis = cfg.setdefault('visualizer', dict(type='UniversalVisualizer'))
        backends = list(vis.get('vis_backends') or [dict(type='LocalVisBackend')])
        if not any(b.get('type') == 'TensorboardVisBackend' for b in backends):
            backends.append(dict(type='TensorboardVisBackend'))
        vis['vis_backends'] = backends
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.distill_off:
        for change in distill_off(cfg):
            print(f'--distill-off: {change}', flush=True)
        if args.work_dir is None:  # beside the distilled run's work dir, not over it
            cfg.work_dir = cfg.work_dir.rstrip('/') + '_distill-off'
    return cfg


def main():
    args = parse_args()
    cfg = merge_args(load_config(args.config), args)
    setup_distributed(cfg)  # gloo on CPU-only machines; our DDP wrapper
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    last = _LastValMetrics()
    runner.register_hook(last)
    runner.train()
    if last.metrics and runner.rank == 0:
        shown = ', '.join(f'{k}: {float(v):.2f}' for k, v in last.metrics.items())
        print(f'Final validation ({runner.epoch} epochs, {runner.iter} iterations): {shown}',
              flush=True)


if __name__ == '__main__':
    run(main)
