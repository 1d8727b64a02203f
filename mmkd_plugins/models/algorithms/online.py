"""``OnlineDistill``: the common base of the online methods, where m >= 2 students trained from
scratch teach each other (:class:`~.kdcl.KDCL`, :class:`~.dml.DML`, :class:`~.iekd.IEDML`).

What they share: the students (mmpretrain classifiers with the same classes), the loss weights
(``ce_weight`` on each student's cross-entropy, ``kd_weight`` on its distillation term at
``temperature``), validation (``predict``: student ``eval_student``'s scores as ``pred_score``,
every student's scores and their mean for :class:`~mmkd_plugins.evaluation.KDCLAccuracy`), the
views each student trains on, the control run and the diagnostics' questions.

One word for one meaning, in every online method: a *view* is one random augmentation of the
batch. ``views='shared'``: every student trains on the same view (the data preprocessor is
mmpretrain's ``ClsDataPreprocessor``, the pipeline the plain classifier's); ``'per_student'``:
student i trains on view i (mmpretrain's ``MultiView(num_views=m)`` in the pipeline and
:class:`~mmkd_plugins.models.data_preprocessors.MultiViewDataPreprocessor`). KDCL's
``target_views`` uses the same two words for the logits its ensemble target is built from.
"""
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmrazor.registry import MODELS

from ...utils import sample_labels
from .method import DistillMethod, DistillView

VIEWS = ('shared', 'per_student')
PREPROCESSORS = dict(shared='mmpretrain.ClsDataPreprocessor',
                     per_student='mmpretrain.MultiViewDataPreprocessor')


def _preprocessor(data_preprocessor, views):
    """The config's ``data_preprocessor`` with the views' type filled in where it has none."""
    default = PREPROCESSORS[views]
    if data_preprocessor is None:
        return dict(type=default)
    if isinstance(data_preprocessor, dict) and 'type' not in data_preprocessor:
        data_preprocessor = dict(data_preprocessor, type=default)
        if views == 'per_student':
            data_preprocessor.pop('num_classes', None)
    return data_preprocessor


class OnlineDistill(BaseModel, DistillMethod):
    """m students distilled from each other.

    Args:
        students (list[dict | BaseModel]): m >= 2 mmpretrain classifiers (configs, or
            ``dict(cfg_path='mmpretrain::...')``), all with the same ``head.num_classes``.
        temperature (float): Softmax temperature T of the distillation term.
        kd_weight (float): Weight of each student's distillation term (>= 0).
        ce_weight (float): Weight of each student's cross-entropy (>= 0).
        eval_student (int): The student whose scores are ``pred_score`` at validation.
        views (str): 'shared' or 'per_student' (see the module docstring).
        data_preprocessor (dict, optional): Defaults to the views' preprocessor.

    A subclass implements ``loss`` and :meth:`soft_targets`.
    """

    KIND = 'online'
    VIEWS = VIEWS

    def __init__(self, students, temperature, kd_weight=1.0, ce_weight=1.0, eval_student=0,
                 views='shared', data_preprocessor=None, init_cfg=None):
        name = type(self).__name__
        if views not in self.VIEWS:
            raise ValueError(f'{name}: views={views!r} must be one of {self.VIEWS}')
        super().__init__(data_preprocessor=_preprocessor(data_preprocessor, views),
                         init_cfg=init_cfg)
        if not isinstance(students, (list, tuple)) or len(students) < 2:
            size = len(students) if isinstance(students, (list, tuple, dict, str)) else '?'
            raise ValueError(f'{name}: students must be a list of m >= 2 model configs, got '
                             f'{type(students).__name__} of length {size}')
        self.students = nn.ModuleList(
            MODELS.build(s) if isinstance(s, dict) else s for s in students)
        classes = [getattr(getattr(s, 'head', None), 'num_classes', None) for s in self.students]
        if len(set(classes)) != 1 or classes[0] is None:
            raise ValueError(f'{name}: every student must classify the same classes; '
                             f'head.num_classes are {classes}')
        self.num_classes = classes[0]
        if temperature <= 0:
            raise ValueError(f'{name}: temperature={temperature} must be > 0')
        if kd_weight < 0 or ce_weight < 0:
            raise ValueError(f'{name}: kd_weight={kd_weight} and ce_weight={ce_weight} must be '
                             f'>= 0')
        if not 0 <= eval_student < len(self.students):
            raise ValueError(f'{name}: eval_student={eval_student} must be in '
                             f'[0, {len(self.students)})')
        self.temperature, self.kd_weight, self.ce_weight = temperature, kd_weight, ce_weight
        self.eval_student, self.views = eval_student, views

    @property
    def num_students(self):
        return len(self.students)

    def _views(self, inputs):
        """The batch each student trains on (a list of m tensors)."""
        name, m = type(self).__name__, self.num_students
        if self.views == 'shared':
            if not isinstance(inputs, torch.Tensor):
                raise ValueError(
                    f"{name}: views='shared' feeds one batch to every network, but the pipeline "
                    f'gave {len(inputs)} views per image: drop MultiView from the train pipeline '
                    f"(and use ClsDataPreprocessor), or set views='per_student'")
            return [inputs] * m
        if isinstance(inputs, torch.Tensor):
            raise ValueError(f'{name}: training got one view per image for {m} students: wrap '
                             f'the train transforms in MultiView(num_views={m})')
        if len(inputs) != m:
            raise ValueError(f'{name}: {len(inputs)} views per image for {m} students: set '
                             f'MultiView(num_views={m})')
        return inputs

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            views = inputs if isinstance(inputs, (list, tuple)) else [inputs] * self.num_students
            return [s(v, mode='tensor') for s, v in zip(self.students, views)]
        raise RuntimeError(f"{type(self).__name__}: invalid mode {mode!r}; use 'loss', "
                           f"'predict' or 'tensor'")

    def predict(self, inputs, data_samples=None):
        logits = self.forward(inputs, mode='tensor')
        scores = torch.stack([torch.softmax(z, dim=1) for z in logits], dim=1)  # B x m x C
        for i, sample in enumerate(data_samples):
            sample.set_pred_score(scores[i, self.eval_student])
            sample.set_pred_label(scores[i, self.eval_student].argmax())
            sample.set_field(scores[i], 'student_scores')
            sample.set_field(scores[i].mean(0), 'ensemble_score')
        return data_samples

    # -- DistillMethod ----------------------------------------------------------------------
    def soft_targets(self, logits, labels):
        """``(targets, extra)``: each student's target distribution (a list of B x C) given every
        student's float logits on one batch, and the learned values to log."""
        raise NotImplementedError

    def student_models(self):
        return {f'student{i}': s for i, s in enumerate(self.students)}

    def distill_view(self, inputs, data_samples, cache=None, key=None):
        labels = sample_labels(data_samples, inputs.device)
        logits = [s(inputs, mode='tensor').float() for s in self.students]
        targets, extra = self.soft_targets(logits, labels)
        names = [f'student{i}' for i in range(len(logits))]
        return DistillView(logits=dict(zip(names, logits)), targets=dict(zip(names, targets)),
                           temperature=self.temperature, extra=extra)

    ROLES = dict(loss_ce='supervision', loss_kd='distillation')

    def loss_role(self, key):
        student, _, term = key.partition('.')
        if not student.startswith('student'):
            return None, 'auxiliary'  # KDCL-Linear's ensemble.loss_ce
        return student, self.ROLES.get(term, 'auxiliary')

    @classmethod
    def control_run(cls, model_cfg):
        return dict(kd_weight=0.0, ce_weight=1.0)
