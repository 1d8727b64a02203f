"""Run a teacher-assistant (sequential) KD chain: teacher -> assistant(s) -> student.

    python tools/takd_chain.py configs/takd/takd-stage1_resnet20_resnet14_1xb128_fashion-mnist-5k.py \
        configs/takd/takd-stage2_resnet14_resnet8x0.5_1xb128_fashion-mnist-5k.py \
        --work-dir work_dirs/takd_chain_fashion-mnist-5k

Stage k is trained with its own config (``tools/train.py`` semantics, work dir
``WORK_DIR/stageK``); its student is exported as a plain classifier (``WORK_DIR/stageK_student.pth``)
and becomes stage k+1's teacher (``model.teacher_ckpt``). Before anything trains, the chain is
checked: stage k+1's teacher must be the same network as stage k's student. Mirzadeh et al.,
"Improved Knowledge Distillation via Teacher Assistant", AAAI 2020.
"""
import os

from mmengine.config import DictAction

import mmkd_plugins  # noqa: F401
from mmkd_plugins.cli import ArgumentParser, checkpoint_path, existing_file, run
from mmkd_plugins.takd_chain import run_chain


def main(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('configs', nargs='+', type=existing_file,
                   help='the stage configs, teacher side first')
    p.add_argument('--work-dir', default='work_dirs/takd_chain')
    p.add_argument('--teacher-ckpt', type=checkpoint_path,
                   help="override stage 1's teacher checkpoint")
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='applied to every stage')
    args = p.parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    return run_chain(args.configs, args.work_dir, args.cfg_options, args.teacher_ckpt)


if __name__ == '__main__':
    run(main)
