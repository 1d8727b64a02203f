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
  lists the model's stage names;
- the teacher is built without consuming the random state, so for a seed the student starts
  from the weights it would have alone.
"""
import torch
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.registry import MODELS

from .utils import (check_recorder_sources, check_teacher_ckpt, load_teacher,
                    merge_data_preprocessor)


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
            # built without consuming the random state (a frozen teacher's weights come from
            # teacher_ckpt): the student then draws the initial weights it draws alone, so a
            # seed pairs a run with its baseline -- and with its --distill-off control
            with torch.random.fork_rng(devices=[]):
                teacher = MODELS.build(teacher)
        for side, model in (('student', kwargs['architecture']), ('teacher', teacher)):
            check_recorder_sources(distiller.get(f'{side}_recorders'), model, side)
        super().__init__(distiller, teacher, teacher_ckpt=None, **kwargs)
        if teacher_ckpt is not None:
            load_teacher(self.teacher, teacher_ckpt)
