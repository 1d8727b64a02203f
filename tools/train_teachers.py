"""Train the teachers the distillation configs point to, when their checkpoints are missing.

    python tools/train_teachers.py                     # every configs/teachers/*fashion-mnist*.py
    python tools/train_teachers.py configs/teachers/resnet20_1xb128_fashion-mnist-5k.py

A teacher counts as present when its work dir holds the checkpoint of its last epoch
(``epoch_{max_epochs}.pth``); then it is skipped, so the benchmarks can call this every time.
"""
import glob
import os.path as osp

from mmengine.config import Config

import mmkd_plugins  # noqa: F401
from mmkd_plugins.cli import ArgumentParser, existing_file, run

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def final_checkpoint(cfg):
    return osp.join(cfg.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')


def train_missing(configs, cfg_options=None):
    from mmengine.runner import Runner
    done = []
    for path in configs:
        cfg = Config.fromfile(path)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        ckpt = final_checkpoint(cfg)
        if osp.isfile(ckpt):
            print(f'[teachers] {path}: {ckpt} present, skipped')
        else:
            print(f'[teachers] {path}: training ({ckpt} missing)')
            Runner.from_cfg(cfg).train()
        done.append(ckpt)
    return done


def main(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('configs', nargs='*', type=existing_file,
                   help='teacher configs (default: every configs/teachers/*fashion-mnist*.py)')
    args = p.parse_args(argv)
    configs = args.configs or sorted(
        glob.glob(osp.join(REPO, 'configs', 'teachers', '*fashion-mnist*.py')))
    train_missing(configs)


if __name__ == '__main__':
    run(main)
