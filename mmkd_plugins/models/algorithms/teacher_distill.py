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
import torch.nn.functional as F
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.registry import MODELS

from ...utils import capture
from .method import DistillMethod, DistillView, scalar
from .utils import (check_recorder_sources, check_teacher_ckpt, load_teacher,
                    merge_data_preprocessor)


@MODELS.register_module()
class TeacherDistill(SingleTeacherDistill, DistillMethod):
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
        self._distill_roles = distill_roles(distiller)

    # -- DistillMethod ----------------------------------------------------------------------
    KIND = 'teacher_student'
    TEACHER_CACHE_MIB = 512  # a frozen teacher's outputs kept between diagnostics, at most

    def student_models(self):
        return dict(student=self.architecture)

    def loss_role(self, key):
        """``student.loss``: the student's own head loss; ``distill.<name>``: a term on the
        logits (its recorders record the heads) or on features (any other module)."""
        if key.startswith('distill.'):
            return 'student', self._distill_roles.get(key[len('distill.'):], 'distillation')
        if key.startswith('student.'):
            return 'student', 'supervision'
        return None, 'auxiliary'  # a trainable teacher's own losses

    @classmethod
    def control_run(cls, model_cfg):
        """Every distill loss weight -> 0; the student head's loss weight -> 1 (KD's 0.1 CE is
        not the plain loss)."""
        losses = (model_cfg.get('distiller') or {}).get('distill_losses') or {}
        if not losses:
            raise ValueError(f'model.distiller.distill_losses of this {cls.__name__} is empty; '
                             f'there is nothing to switch off')
        changes = {f'distiller.distill_losses.{name}.loss_weight': 0.0 for name in losses}
        head_loss = ((model_cfg.get('architecture') or {}).get('head') or {}).get('loss')
        if isinstance(head_loss, dict):
            changes['architecture.head.loss.loss_weight'] = 1.0
        return changes

    def distill_view(self, inputs, data_samples, cache=None, key=None):
        """The target is the teacher's softmax at the temperature of the distillation loss on
        the logits (:meth:`temperature`), and every ``distill.*`` term on the batch is logged.
        With a ``cache`` and a frozen teacher, the teacher's forward on a batch is run once and
        replayed (its logits and what its recorders recorded) on later calls."""
        z, zt, losses = self._student_teacher(inputs, data_samples, cache, key)
        extra = {k: scalar(v) for k, v in losses.items() if k.startswith('distill.')}
        extra['distillation_stopped'] = float(bool(self.distillation_stopped))
        t = self.temperature()
        return DistillView(logits=dict(student=z), targets=dict(student=F.softmax(zt / t, dim=1)),
                           temperature=t, extra=extra)

    def temperature(self):
        """``tau`` of the first distillation loss on the logits (mmrazor's ``KLDivergence``,
        ``ChannelWiseDivergence``...); 1 when every term is on features (FitNets, AT)."""
        for name, loss in self.distiller.distill_losses.items():
            if self._distill_roles.get(name) == 'distillation':
                return float(getattr(loss, 'tau', 1.0))
        return 1.0

    def _student_teacher(self, inputs, data_samples, cache, key):
        distiller = self.distiller
        cacheable = (cache is not None and not self.teacher_trainable
                     and not len(distiller.deliveries.deliveries))
        if not cacheable:
            with capture(dict(student=self.architecture.head, teacher=self.teacher.head)) as seen:
                losses = self.loss(inputs, data_samples)
            return seen['student'].float(), seen['teacher'].float(), losses
        if key in cache:
            zt, records = cache[key]
        else:
            with capture(dict(teacher=self.teacher.head)) as seen, distiller.teacher_recorders:
                self.teacher(inputs, data_samples, mode='loss')
            zt = seen['teacher'].float()
            records = {n: list(r.data_buffer)
                       for n, r in distiller.teacher_recorders.recorders.items()}
            size = zt.nbytes + sum(t.nbytes for rec in records.values() for t in rec
                                   if isinstance(t, torch.Tensor))
            if cache.get('bytes', 0) + size <= self.TEACHER_CACHE_MIB * 2 ** 20:  # else: redo
                cache[key] = (zt, records)
                cache['bytes'] = cache.get('bytes', 0) + size
        with capture(dict(student=self.architecture.head)) as seen, distiller.student_recorders:
            self.architecture(inputs, data_samples, mode='loss')
        for name, recorder in distiller.teacher_recorders.recorders.items():
            recorder.reset_data_buffer()
            recorder.data_buffer.extend(records[name])
        losses = {} if self.distillation_stopped else {
            f'distill.{k}': v for k, v in distiller.compute_distill_losses().items()}
        return seen['student'].float(), zt, losses


def distill_roles(distiller):
    """``{distill loss name: 'distillation' | 'feature'}`` from a ConfigurableDistiller config:
    a loss fed by a student recorder of the head (the logits) distils the output, any other a
    feature."""
    recorders = distiller.get('student_recorders') or {}
    roles = {}
    for name, mapping in (distiller.get('loss_forward_mappings') or {}).items():
        sources = [str(recorders.get(m.get('recorder'), {}).get('source', ''))
                   for m in mapping.values() if isinstance(m, dict) and m.get('from_student')]
        roles[name] = 'distillation' if any(s.startswith('head') for s in sources) else 'feature'
    return roles
