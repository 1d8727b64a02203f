"""``DistillMethod``: what a distillation algorithm tells every tool about itself.

The diagnostics (:class:`~mmkd_plugins.engine.hooks.DistillDiagnosticsHook`), the control run
(``tools/train.py --distill-off``), TAKD's chain, the GPU check, the benchmarks and the tests ask
the algorithm, never guess from its attributes. An algorithm implements three things:

- :meth:`DistillMethod.distill_view` -- on a batch, every student's logits and what each is
  trained towards (a target distribution over the classes, at :attr:`~DistillView.temperature`),
  plus its learned values and loss terms worth logging;
- :meth:`DistillMethod.loss_role` -- for each loss key of its ``loss()``, whose term it is and
  whether it is ``'supervision'`` (the label's cross-entropy), ``'distillation'`` (a term on the
  logits towards a soft target), ``'feature'`` (a term on intermediate features) or
  ``'auxiliary'`` (trains something that is not a student: an ensemble's weights, an
  auto-encoder);
- :meth:`DistillMethod.control_run` (a classmethod, on the *config*) -- the ``model.*`` fields
  to set so the same code trains the students with the distillation switched off.

A plain classifier implements none of it; :func:`describe` answers for it (its own logits, no
target, every loss a supervision term). A user's own algorithm, in full (a toy "label smoothing
from a frozen teacher": the target is ``(1 - eps) onehot + eps softmax(teacher)``)::

    import torch
    import torch.nn.functional as F
    from mmengine.model import BaseModel
    from mmpretrain.models.losses.cross_entropy_loss import soft_cross_entropy
    from mmrazor.registry import MODELS
    from mmkd_plugins.models.algorithms import DistillMethod, DistillView
    from mmkd_plugins.utils import sample_labels

    @MODELS.register_module()
    class TeacherSmoothing(BaseModel, DistillMethod):
        KIND = 'teacher_student'

        def __init__(self, student, teacher, eps=0.1, data_preprocessor=None):
            super().__init__(data_preprocessor=data_preprocessor)
            self.student, self.teacher, self.eps = MODELS.build(student), MODELS.build(teacher), eps

        def target(self, inputs, labels):
            onehot = F.one_hot(labels, self.student.head.num_classes).float()
            with torch.no_grad():
                soft = F.softmax(self.teacher(inputs, mode='tensor'), dim=1)
            return (1 - self.eps) * onehot + self.eps * soft

        def loss(self, inputs, data_samples):
            labels = sample_labels(data_samples, inputs.device)
            z = self.student(inputs, mode='tensor')
            return dict(loss_smooth=soft_cross_entropy(z, self.target(inputs, labels)))

        def distill_view(self, inputs, data_samples, cache=None, key=None):
            labels = sample_labels(data_samples, inputs.device)
            z = self.student(inputs, mode='tensor').float()
            return DistillView(logits=dict(student=z), targets=dict(student=self.target(inputs, labels)))

        def student_models(self):
            return dict(student=self.student)

        def loss_role(self, key):
            return 'student', 'distillation'

        @classmethod
        def control_run(cls, model_cfg):
            return {'eps': 0.0}

(``forward`` routes ``mode='loss'`` to ``loss`` and the others to the student, as any mmengine
model; loading the teacher's checkpoint is left out here.) ``tests/test_method_interface.py``
trains such a method, runs its control, its diagnostics and a GPU-check dry run without editing
a file of the package.
"""
import dataclasses

ROLES = ('supervision', 'distillation', 'feature', 'auxiliary')
KINDS = ('teacher_student', 'self', 'online', 'extraction', 'plain')


@dataclasses.dataclass
class DistillView:
    """What a method trains towards on one batch.

    Attributes:
        logits (dict[str, Tensor]): every student's logits (B x C, float32), by name.
        targets (dict[str, Tensor]): the target distribution (B x C, rows summing to 1) of each
            student that has one, by the same names.
        temperature (float): the softmax temperature at which the loss compares a student with its
            target (1 when the target is compared with the plain softmax).
        extra (dict[str, float]): learned values and loss terms worth logging (ensemble weights,
            ``alpha_t``, feature losses, ``distillation_stopped``).
    """
    logits: dict
    targets: dict = dataclasses.field(default_factory=dict)
    temperature: float = 1.0
    extra: dict = dataclasses.field(default_factory=dict)


class DistillMethod:
    """The interface every distillation algorithm of the package implements (a mixin beside its
    ``nn.Module`` base). See the module docstring for an example."""

    #: which kind of method: 'teacher_student' (a frozen or trained teacher), 'self' (the student
    #: is its own teacher), 'online' (students teach each other), 'extraction' (a stage that
    #: trains no student, e.g. IE-KD stage 1)
    KIND = None

    def student_models(self):
        """``{name: classifier}`` of the networks being trained (``'student'``, or
        ``'student{i}'`` for online methods); empty when the method trains no student."""
        raise NotImplementedError

    def logit_modules(self):
        """``{student name: the module whose output is its logits}`` (the heads by default)."""
        return {name: net.head for name, net in self.student_models().items()}

    def distill_view(self, inputs, data_samples, cache=None, key=None):
        """A :class:`DistillView` of one preprocessed batch (no gradient; the caller sets eval
        mode). ``cache``: a dict kept between calls on the same batches (``key``), where a method
        may keep what does not change (a frozen teacher's outputs)."""
        raise NotImplementedError

    def heldout_view(self, inputs, data_samples, cache=None, key=None):
        """:meth:`distill_view` of a batch of images the method does not train on (held-out
        diagnostics). The default is :meth:`distill_view`: a teacher's, an ensemble's or the
        peers' target does not depend on the image being a training image. A method whose
        target is stored per training image (PS-KD's memory) gives the students' logits alone."""
        return self.distill_view(inputs, data_samples, cache, key)

    def loss_role(self, key):
        """``(student name or None, role)`` of the loss key ``key`` of ``loss()``, the role one
        of :data:`ROLES`; ``None`` for a logged value that is not a loss (e.g. ``alpha_t``)."""
        raise NotImplementedError

    @classmethod
    def control_run(cls, model_cfg):
        """``{dotted field under model: value}`` that switch the distillation off and leave the
        rest (data, schedule, the networks' initial weights) as it is; raise ``ValueError`` with
        the reason when the method has nothing to switch off."""
        raise NotImplementedError


class PlainClassifier(DistillMethod):
    """:class:`DistillMethod`'s answers for a model that is no distillation method (an mmpretrain
    classifier): its own logits, no target, every loss its supervision."""

    KIND = 'plain'

    def __init__(self, model):
        self.model = model

    def student_models(self):
        return dict(student=self.model)

    def logit_modules(self):
        head = getattr(self.model, 'head', None)
        return {} if head is None else dict(student=head)

    def distill_view(self, inputs, data_samples, cache=None, key=None):
        return DistillView(logits=dict(student=self.model(inputs, mode='tensor').float()))

    def loss_role(self, key):
        return 'student', 'supervision'

    @classmethod
    def control_run(cls, model_cfg):
        raise ValueError('a plain classifier is already its own control')


def describe(model):
    """``model`` (unwrapped) as a :class:`DistillMethod`: itself, or a :class:`PlainClassifier`
    around it."""
    return model if isinstance(model, DistillMethod) else PlainClassifier(model)


def method_class(model_type):
    """The class registered under a config's ``model.type`` (``'mmrazor.KDCL'``, ``'KDCL'``) in
    mmrazor's model registry (where every algorithm of the package is), or None."""
    from mmrazor.registry import MODELS
    name = str(model_type)
    return MODELS.get(name) or MODELS.get(name.rsplit('.', 1)[-1])


def scalar(value):
    """A logged loss term as a float (a list of terms: their sum)."""
    if isinstance(value, (list, tuple)):
        return float(sum(float(x) for x in value))
    return float(value)


__all__ = ['DistillMethod', 'DistillView', 'PlainClassifier', 'describe', 'method_class',
           'ROLES', 'KINDS', 'scalar']
