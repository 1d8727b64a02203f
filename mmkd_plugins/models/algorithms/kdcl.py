"""KDCL: online knowledge distillation via collaborative learning.

Guo et al., "Online Knowledge Distillation via Collaborative Learning", CVPR 2020. m students
(m >= 2, same or different architectures, all from scratch) are trained together; student i sees
its own randomly augmented view ``x_i`` of each image. Every step their logits are combined by an
ensemble (:mod:`.kdcl_ensembles`: Naive, Linear, MinLogit, General) into a soft target ``z_t``,
detached, and each student minimises (Eq. 1 and 6 of the paper)

    L_i = ce_weight * CE(z_i, y) + kd_weight * T^2 * KL(softmax(z_t / T) || softmax(z_i / T)).

The Linear ensemble's weights are trained by ``CE(sum_i a_i z_i, y)`` on detached logits (loss key
``ensemble.loss_ce``). Choices where the paper is silent: ``temperature`` defaults to 2 and the
ensemble target is built from the views the students saw (``target_view='own'``: each logit
from its own view); ``target_view='shared'`` builds it from every student's logits on one view
(view 0; students 1..m-1 run one extra forward on it without gradients, which in training mode
also updates their BatchNorm statistics with that batch), while each student still learns on
its own view.

Data: the train pipeline yields m views per image (mmpretrain's ``MultiView`` with
``num_views=m`` before ``PackInputs``, ``default_collate``) and the data preprocessor is
mmpretrain's ``SelfSupDataPreprocessor``, which normalises each view; at validation one view is
given to every student. ``predict`` returns, per sample, ``pred_score`` of student
``eval_student`` plus every student's scores (``student_scores``, m x C) and their softmax mean
(``ensemble_score``), which :class:`~mmkd_plugins.evaluation.KDCLAccuracy` reports.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmrazor.registry import MODELS

from ...utils import sample_labels
from .kdcl_ensembles import GeneralEnsemble, build_ensemble


@MODELS.register_module()
class KDCL(BaseModel):
    """m students distilled online from their ensemble.

    Args:
        students (list[dict | BaseModel]): m >= 2 mmpretrain classifiers (configs, or
            ``dict(cfg_path='mmpretrain::...')``), all with the same ``head.num_classes``.
        ensemble (dict): ``dict(type='Naive'|'Linear'|'MinLogit'|'General', ...)``, or the
            type of an ensemble of your own registered in
            :data:`mmkd_plugins.registry.KDCL_ENSEMBLES`.
        temperature (float): Softmax temperature T of the KL term. Defaults to 2.
        kd_weight (float): Weight of the KL term (lambda). Defaults to 1.
        ce_weight (float): Weight of each student's CE. Defaults to 1.
        eval_student (int): The student whose scores are ``pred_score`` at validation.
        target_view (str): 'own' (default): the ensemble combines each student's logits on the
            view it trains on; 'shared': every student's logits on view 0.
        data_preprocessor (dict, optional): Defaults to ``MultiViewDataPreprocessor``
            (mmpretrain's ``SelfSupDataPreprocessor``: one normalisation for every view; the data
            samples stay on the host, the labels move in one copy).
    """

    TARGET_VIEWS = ('own', 'shared')

    def __init__(self, students, ensemble=dict(type='MinLogit'), temperature=2.0, kd_weight=1.0,
                 ce_weight=1.0, eval_student=0, target_view='own', data_preprocessor=None,
                 init_cfg=None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='mmpretrain.MultiViewDataPreprocessor')
        elif isinstance(data_preprocessor, dict) and 'type' not in data_preprocessor:
            data_preprocessor = dict(data_preprocessor, type='mmpretrain.MultiViewDataPreprocessor')
            data_preprocessor.pop('num_classes', None)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not isinstance(students, (list, tuple)) or len(students) < 2:
            raise ValueError(f'KDCL: students must be a list of m >= 2 model configs, got '
                             f'{type(students).__name__} of length '
                             f'{len(students) if hasattr(students, "__len__") else "?"}')
        self.students = nn.ModuleList(
            MODELS.build(s) if isinstance(s, dict) else s for s in students)
        classes = [getattr(getattr(s, 'head', None), 'num_classes', None) for s in self.students]
        if len(set(classes)) != 1 or classes[0] is None:
            raise ValueError(f'KDCL: every student must classify the same classes; '
                             f'head.num_classes are {classes}')
        self.num_classes = classes[0]
        if temperature <= 0:
            raise ValueError(f'KDCL: temperature={temperature} must be > 0')
        if kd_weight < 0 or ce_weight < 0:
            raise ValueError(f'KDCL: kd_weight={kd_weight} and ce_weight={ce_weight} must be >= 0')
        if not 0 <= eval_student < len(self.students):
            raise ValueError(f'KDCL: eval_student={eval_student} must be in '
                             f'[0, {len(self.students)})')
        # None only for subclasses that distil without an ensemble (DML)
        self.ensemble = None if ensemble is None else build_ensemble(ensemble, len(self.students))
        self.temperature, self.kd_weight, self.ce_weight = temperature, kd_weight, ce_weight
        self.eval_student = eval_student
        if target_view not in self.TARGET_VIEWS:
            raise ValueError(f'KDCL: target_view={target_view!r} must be one of '
                             f'{self.TARGET_VIEWS}')
        self.target_view = target_view

    @property
    def num_students(self):
        return len(self.students)

    def _views(self, inputs):
        if isinstance(inputs, torch.Tensor):
            raise ValueError(f'KDCL: training got one view per image for {self.num_students} '
                             f'students: wrap the train transforms in MultiView(num_views='
                             f'{self.num_students})')
        if len(inputs) != self.num_students:
            raise ValueError(f'KDCL: {len(inputs)} views per image for {self.num_students} '
                             f'students: set MultiView(num_views={self.num_students})')
        return inputs

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            views = inputs if isinstance(inputs, (list, tuple)) else [inputs] * self.num_students
            return [s(v, mode='tensor') for s, v in zip(self.students, views)]
        raise RuntimeError(f"KDCL: invalid mode {mode!r}; use 'loss', 'predict' or 'tensor'")

    def loss(self, inputs, data_samples):
        if isinstance(self.ensemble, GeneralEnsemble) and not self.ensemble.driven_by_hook:
            raise RuntimeError("KDCL: ensemble type='General' fits its weights on held-out data: "
                               "add dict(type='KDCLGeneralHook', heldout_dataloader=...) to "
                               'custom_hooks')
        views = self._views(inputs)
        labels = sample_labels(data_samples, views[0].device)
        logits = [s(v, mode='tensor') for s, v in zip(self.students, views)]
        target = self.ensemble(self._target_logits(logits, views), labels).detach()
        t = self.temperature
        p_t = F.softmax(target / t, dim=1)
        losses = {}
        for i, z in enumerate(logits):
            losses[f'student{i}.loss_ce'] = self.ce_weight * F.cross_entropy(z, labels)
            kl = F.kl_div(F.log_softmax(z / t, dim=1), p_t, reduction='batchmean')
            losses[f'student{i}.loss_kd'] = self.kd_weight * t * t * kl
        if hasattr(self.ensemble, 'loss'):  # an ensemble with parameters (KDCL-Linear)
            losses['ensemble.loss_ce'] = self.ensemble.loss(logits, labels)
        return losses

    def _target_logits(self, logits, views):
        """The members the ensemble combines: the students' own-view logits, or every
        student's logits on view 0 (``target_view='shared'``)."""
        if self.target_view == 'own':
            return logits
        with torch.no_grad():
            return [logits[0]] + [s(views[0], mode='tensor') for s in self.students[1:]]

    def predict(self, inputs, data_samples=None):
        logits = self.forward(inputs, mode='tensor')
        scores = torch.stack([F.softmax(z, dim=1) for z in logits], dim=1)  # B x m x C
        for i, sample in enumerate(data_samples):
            sample.set_pred_score(scores[i, self.eval_student])
            sample.set_pred_label(scores[i, self.eval_student].argmax())
            sample.set_field(scores[i], 'student_scores')
            sample.set_field(scores[i].mean(0), 'ensemble_score')
        return data_samples
