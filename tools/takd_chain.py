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
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner.checkpoint import find_latest_checkpoint

import mmkd_plugins  # noqa: F401
from mmkd_plugins.export import export_student
from mmkd_plugins.cli import ArgumentParser, checkpoint_path, existing_file, run


def _network(cfg_model):
    """The parts of a classifier config that fix its weights' shapes (the head's loss, e.g. the
    CE weight of a KD stage, does not)."""
    d = cfg_model.to_dict() if hasattr(cfg_model, 'to_dict') else dict(cfg_model)
    net = {k: d.get(k) for k in ('type', 'backbone', 'neck', 'head')}
    if isinstance(net['head'], dict):
        net['head'] = {k: v for k, v in net['head'].items() if k != 'loss'}
    return net


def check_chain(cfgs, paths):
    for k in range(1, len(cfgs)):
        student = _network(cfgs[k - 1].model.architecture)
        teacher = _network(cfgs[k].model.teacher)
        if student != teacher:
            diff = {key: (student[key], teacher[key]) for key in student
                    if student[key] != teacher[key]}
            raise ValueError(f'chain stages mismatched: the teacher of stage {k + 1} '
                             f'({paths[k]}) is not the student of stage {k} ({paths[k - 1]}); '
                             f'differences (student, teacher): {diff}')


def last_checkpoint(work_dir):
    ckpt = find_latest_checkpoint(work_dir)  # mmengine reads the run's last_checkpoint file
    if ckpt is None:
        raise FileNotFoundError(f'{work_dir}: no last_checkpoint written; did the stage train?')
    return ckpt


def run_chain(paths, work_dir, cfg_options=None, first_teacher_ckpt=None):
    """Train every stage in order; returns the exported student checkpoint of each stage."""
    cfgs = []
    for p in paths:
        cfg = Config.fromfile(p)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        if cfg.model.get('type') not in ('mmrazor.TeacherDistill', 'TeacherDistill',
                                         'mmrazor.SingleTeacherDistill'):
            raise ValueError(f'{p}: a chain stage must be a teacher-student config '
                             f'(model.type TeacherDistill), got {cfg.model.get("type")!r}')
        cfgs.append(cfg)
    if len(cfgs) < 2:
        raise ValueError('a TAKD chain needs at least two stages (teacher -> assistant -> '
                         'student)')
    check_chain(cfgs, paths)
    from mmengine.runner import Runner
    exported, teacher_ckpt = [], first_teacher_ckpt
    for k, cfg in enumerate(cfgs, start=1):
        if teacher_ckpt is not None:
            cfg.model.teacher_ckpt = teacher_ckpt
        cfg.work_dir = osp.join(work_dir, f'stage{k}')
        runner = Runner.from_cfg(cfg)
        runner.train()
        out = osp.join(work_dir, f'stage{k}_student.pth')
        export_student(last_checkpoint(cfg.work_dir), out)
        print(f'[takd] stage {k} ({paths[k - 1]}): student exported to {out}')
        exported.append(out)
        teacher_ckpt = out
    return exported


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
