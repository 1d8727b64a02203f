"""``TeacherDistill``: mmrazor's ``SingleTeacherDistill`` with the checks our configs rely on.

Every teacher-student method here (Hinton KD, FitNets, AT, TAKD, ESKD, IE-KD stage 2) is
mmrazor's ``SingleTeacherDistill`` + ``ConfigurableDistiller``; this subclass only makes its
failure modes explicit:

- a missing teacher checkpoint says which config trains it (``teacher_config``);
- the teacher checkpoint must match the teacher exactly (mmengine's ``load_checkpoint`` with
  ``strict=False``, which mmrazor uses, would train against a half-random teacher silently);
- the distiller (recorders, connectors, losses) is built in mmrazor's scope, so configs whose
  default scope is mmpretrain's name mmrazor's parts without a prefix;
- every recorder's ``source`` must name a module of its model (``backbone.layer3``); the error
  lists the model's stage names.
"""
import os.path as osp

from mmengine.runner import load_checkpoint
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.registry import MODELS

from .pskd import merge_data_preprocessor


def check_recorder_sources(recorders_cfg, model, side):
    """Raise a ValueError when a ModuleOutputs/ModuleInputs recorder names no module of model."""
    names = dict(model.named_modules())
    for key, rec in (recorders_cfg or {}).items():
        if 'Module' in rec.get('type', '') and rec.get('source') not in names:
            top = sorted({n.rsplit('.', 1)[0] for n in names if n.count('.') == 2})
            raise ValueError(f'{side}_recorders.{key}: source={rec.get("source")!r} is not a '
                             f'module of the {side}; stages are e.g. {top[:12]}')


def teacher_how(teacher_config):
    """How to make a missing teacher checkpoint: a config to train, or an instruction."""
    if not teacher_config:
        return 'train the teacher first'
    if teacher_config.endswith('.py'):
        return f'train it with `python tools/train.py {teacher_config}`'
    return teacher_config


def check_teacher_ckpt(who, teacher_ckpt, teacher_config=None):
    """A local teacher checkpoint must exist (URLs are fetched by mmengine); the error says
    how to make it."""
    if not teacher_ckpt or ('://' not in teacher_ckpt and not osp.isfile(teacher_ckpt)):
        raise FileNotFoundError(f'{who}: teacher checkpoint teacher_ckpt={teacher_ckpt!r} not '
                                f'found; {teacher_how(teacher_config)} (or `make teachers`), '
                                f'or set model.teacher_ckpt')


def load_teacher(teacher, teacher_ckpt):
    """Load the teacher strictly and keep init_weights() from overwriting it."""
    load_checkpoint(teacher, teacher_ckpt, map_location='cpu', strict=True, logger='current')
    teacher._is_init = True


@MODELS.register_module()
class TeacherDistill(SingleTeacherDistill):
    """``SingleTeacherDistill`` with a checked teacher checkpoint and checked recorders.

    Args:
        teacher_ckpt (str): Required unless ``teacher_trainable``; a plain classifier checkpoint
            (``tools/train.py`` of the teacher config, or ``tools/export_student.py`` output).
        teacher_config (str, optional): The config that trains the teacher (or, not ending in
            ``.py``, an instruction), quoted when the checkpoint is missing.
        Other arguments: see mmrazor's ``SingleTeacherDistill``.
    """

    def __init__(self, distiller, teacher, teacher_ckpt=None, teacher_config=None,
                 architecture=None, data_preprocessor=None, **kwargs):
        kwargs['architecture'], kwargs['data_preprocessor'] = merge_data_preprocessor(
            architecture, data_preprocessor)
        if not kwargs.get('teacher_trainable', False):
            if teacher_ckpt is None:
                raise ValueError('TeacherDistill: teacher_ckpt is required for a frozen teacher')
            check_teacher_ckpt('TeacherDistill', teacher_ckpt, teacher_config)
        # recorders, connectors and losses live in mmrazor's registries, whatever the config's
        # default scope (ours is mmpretrain's)
        distiller = dict(distiller)
        distiller.setdefault('_scope_', 'mmrazor')
        # build both networks first, so that a recorder naming no module is reported clearly
        # (mmrazor's own check is a bare assert inside its constructor)
        if isinstance(kwargs['architecture'], dict):
            kwargs['architecture'] = MODELS.build(kwargs['architecture'])
        if isinstance(teacher, dict):
            teacher = MODELS.build(teacher)
        for side, model in (('student', kwargs['architecture']), ('teacher', teacher)):
            check_recorder_sources(distiller.get(f'{side}_recorders'), model, side)
        super().__init__(distiller, teacher, teacher_ckpt=None, **kwargs)
        if teacher_ckpt is not None:
            load_teacher(self.teacher, teacher_ckpt)
