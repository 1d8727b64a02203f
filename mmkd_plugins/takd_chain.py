"""TAKD's chain (Mirzadeh et al., AAAI 2020): teacher -> assistant(s) -> student, each stage a
teacher-student config trained in turn, the student of stage k exported as a plain classifier and
used as the teacher of stage k + 1 (``tools/takd_chain.py``; the configs are in
``configs/takd/``). The stages are checked first: each stage's teacher must be the network the
previous stage trains."""
import os.path as osp

from mmengine.config import Config
from mmengine.runner.checkpoint import find_latest_checkpoint

from .export import export_student
from .models.algorithms.method import method_class


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
        cls = method_class(cfg.model.get('type'))
        if getattr(cls, 'KIND', None) != 'teacher_student':
            raise ValueError(f'{p}: a chain stage must be a teacher-student config (an algorithm '
                             f"whose DistillMethod.KIND is 'teacher_student', e.g. "
                             f'TeacherDistill), got model.type={cfg.model.get("type")!r}')
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
