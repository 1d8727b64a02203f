"""KDCL: online knowledge distillation via collaborative learning.

Guo et al., "Online Knowledge Distillation via Collaborative Learning", CVPR 2020. m students
(m >= 2, same or different architectures, all from scratch) are trained together; student i sees
its own randomly augmented view ``x_i`` of each image. Every step their logits are combined by an
ensemble (:mod:`.kdcl_ensembles`: Naive, Linear, MinLogit, General) into a soft target ``z_t``,
detached, and each student minimises (Eq. 1 and 6 of the paper)

    L_i = ce_weight * CE(z_i, y) + kd_weight * T^2 * KL(softmax(z_t / T) || softmax(z_i / T)).

The Linear ensemble's weights are trained by ``CE(sum_i a_i z_i, y)`` on detached logits (loss key
``ensemble.loss_ce``). Choices where the paper is silent: ``temperature`` defaults to 2 and the
ensemble target is built from the views the students saw (``target_views='per_student'``: each
logit from its own view); ``target_views='shared'`` builds it from every student's logits on one
view (view 0; students 1..m-1 run one extra forward on it without gradients, which in training
mode also updates their BatchNorm statistics with that batch), while each student still learns
on its own view (KDCL's ``views`` is always ``'per_student'``; the words as in
:mod:`.online`).

Data: the train pipeline yields m views per image (mmpretrain's ``MultiView`` with
``num_views=m`` before ``PackInputs``, ``default_collate``) and the data preprocessor is
mmpretrain's ``SelfSupDataPreprocessor``, which normalises each view; at validation one view is
given to every student. ``predict`` returns, per sample, ``pred_score`` of student
``eval_student`` plus every student's scores (``student_scores``, m x C) and their softmax mean
(``ensemble_score``), which :class:`~mmkd_plugins.evaluation.KDCLAccuracy` reports.
"""
import warnings

import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS

from ...utils import sample_labels
from .kdcl_ensembles import GeneralEnsemble, build_ensemble
from .online import OnlineDistill

OLD_TARGET_VIEWS = dict(own='per_student')  # the spelling of earlier configs


@MODELS.register_module()
class KDCL(OnlineDistill):
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
        target_views (str): 'per_student' (default): the ensemble combines each student's logits
            on the view it trains on; 'shared': every student's logits on view 0.
        target_view (str, optional): the earlier name of ``target_views`` ('own' for
            'per_student'); still read, with a warning.
        data_preprocessor (dict, optional): Defaults to ``MultiViewDataPreprocessor``
            (mmpretrain's ``SelfSupDataPreprocessor``: one normalisation for every view; the data
            samples stay on the host, the labels move in one copy).
    """

    TARGET_VIEWS = ('per_student', 'shared')

    def __init__(self, students, ensemble=dict(type='MinLogit'), temperature=2.0, kd_weight=1.0,
                 ce_weight=1.0, eval_student=0, target_views='per_student', target_view=None,
                 data_preprocessor=None, init_cfg=None):
        super().__init__(students, temperature=temperature, kd_weight=kd_weight,
                         ce_weight=ce_weight, eval_student=eval_student, views='per_student',
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.ensemble = build_ensemble(ensemble, len(self.students))
        if target_view is not None:
            new = OLD_TARGET_VIEWS.get(target_view, target_view)
            warnings.warn(f"KDCL: target_view={target_view!r} is the earlier spelling; write "
                          f"target_views={new!r}", DeprecationWarning, stacklevel=2)
            target_views = new
        if target_views not in self.TARGET_VIEWS:
            raise ValueError(f'KDCL: target_views={target_views!r} must be one of '
                             f'{self.TARGET_VIEWS}')
        self.target_views = target_views

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
        student's logits on view 0 (``target_views='shared'``)."""
        if self.target_views == 'per_student':
            return logits
        with torch.no_grad():
            return [logits[0]] + [s(views[0], mode='tensor') for s in self.students[1:]]

    def soft_targets(self, logits, labels):
        """Every student's target: the ensemble's ``softmax(z_t / T)``."""
        target = F.softmax(self.ensemble(logits, labels).float() / self.temperature, dim=1)
        extra = {}
        weights = getattr(self.ensemble, 'coefficients', None)  # KDCL-Linear's a
        if weights is None:
            weights = getattr(self.ensemble, 'weights', None)  # KDCL-General's w
        if isinstance(weights, torch.Tensor):
            extra.update({f'ensemble_weight{i}': float(w) for i, w in enumerate(weights)})
        return [target] * len(logits), extra
