"""Deep mutual learning (Zhang et al., CVPR 2018).

DML trains m >= 2 networks online; network i minimises (Eq. 10 of the DML paper)

    L_i = ce_weight * CE(z_i, y) + kd_weight * T^2 / (m-1) * sum_{j != i} KL(p_j || p_i),

with p = softmax(z / T) and the peers' p_j taken as constants: each student's target is the mean
of its peers' softmax at T. The students, views, validation and export are those of every online
method (:class:`~.online.OnlineDistill`).

Data: ``views='shared'`` (default) feeds one augmented batch to every network, as the DML paper
and both reference implementations (DML's and IE-KD's ``processors/DML.py``) do; the train
pipeline is the plain classifier's and the data preprocessor mmpretrain's ``ClsDataPreprocessor``.
``views='per_student'`` gives each network its own view (KDCL's ``MultiView`` data path), an
option for DML only.

Updates: ``alternate=True`` (default) follows the papers' Algorithm 1: network 1 is updated first,
then the peers' predictions are recomputed with the updated network before network 2 is updated,
and so on (m forward passes with gradient and m(m-1) without, per iteration; BN statistics are
updated on every pass). ``alternate=False`` updates all networks from one forward pass, as much
public DML code does (cheaper: one forward per network).

:class:`~.iekd.IEDML` (beside IE-KD) adds IE-KD's inheritance and exploration between the
peers.
"""
import contextlib

import torch
import torch.nn.functional as F
from mmengine.model.wrappers import MMDistributedDataParallel
from mmrazor.registry import MODELS

from ...utils import sample_labels
from .online import OnlineDistill


@MODELS.register_module()
class DML(OnlineDistill):
    """Deep mutual learning among m students.

    Args:
        students (list[dict]): m >= 2 classifiers with the same classes.
        temperature (float): T of the KL terms. Defaults to 1 (the DML paper).
        kd_weight (float): Weight of the mean KL towards the peers. Defaults to 1.
        ce_weight (float): Weight of each student's CE. Defaults to 1.
        alternate (bool): Update the students one after the other within an iteration (the
            papers' Algorithm 1). Defaults to True; False updates them jointly.
        views (str): 'shared' (default: one batch for every network, the papers' setting) or
            'per_student' (each network its own ``MultiView`` view, as KDCL).
        eval_student (int): as :class:`~.online.OnlineDistill`.
        data_preprocessor (dict, optional): Defaults to mmpretrain's ``ClsDataPreprocessor``
            for 'shared' views and ``MultiViewDataPreprocessor`` for 'per_student' views.
    """

    def __init__(self, students, temperature=1.0, kd_weight=1.0, ce_weight=1.0, alternate=True,
                 views='shared', eval_student=0, data_preprocessor=None, init_cfg=None):
        super().__init__(students, temperature=temperature, kd_weight=kd_weight,
                         ce_weight=ce_weight, eval_student=eval_student, views=views,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not isinstance(alternate, bool):
            raise TypeError(f'DML: alternate={alternate!r} must be True or False')
        self.alternate = alternate
        self._active = None  # the network being updated inside an alternating step

    def _run(self, k, view, grad=True):
        """Student k's outputs on its view: ``dict(logits=...)`` (IEDML adds its feature)."""
        with contextlib.nullcontext() if grad else torch.no_grad():
            return dict(logits=self.students[k](view, mode='tensor'))

    def _student_losses(self, i, outs, labels):
        """Losses of student i given every student's outputs (the peers' are used detached)."""
        t, m = self.temperature, self.num_students
        z = outs[i]['logits']
        log_q = F.log_softmax(z / t, dim=1)
        kl = sum(F.kl_div(log_q, F.softmax(outs[j]['logits'].detach() / t, dim=1),
                          reduction='batchmean') for j in range(m) if j != i)
        return {
            f'student{i}.loss_ce': self.ce_weight * F.cross_entropy(z, labels),
            f'student{i}.loss_kd': self.kd_weight * t * t * kl / (m - 1),
        }

    def loss(self, inputs, data_samples):
        """Every network's losses (joint update), or, inside an alternating step, the losses of
        the network being updated (``self._active``), its peers run without gradient."""
        views = self._views(inputs)
        labels = sample_labels(data_samples, views[0].device)
        i = self._active
        if i is None:
            if self.alternate:
                raise RuntimeError(
                    "DML: alternate=True updates the networks one at a time in train_step, but "
                    "this forward came from elsewhere (mmengine's MMDistributedDataParallel "
                    "calls forward directly): use model_wrapper_cfg=dict(type="
                    "'MMKDDistributedDataParallel') as tools/train.py does, or alternate=False")
            outs = [self._run(k, v) for k, v in enumerate(views)]
            losses = {}
            for k in range(self.num_students):
                losses.update(self._student_losses(k, outs, labels))
            return losses
        outs = [self._run(k, v, grad=(k == i)) for k, v in enumerate(views)]
        return self._student_losses(i, outs, labels)

    def train_step(self, data, optim_wrapper):
        return self.train_step_with(self, data, optim_wrapper)

    def train_step_with(self, model, data, optim_wrapper):
        """One training step run through ``model``: this module, or the DDP wrapper around it
        (``MMKDDistributedDataParallel``), so that under DDP every sub-step's gradients are
        all-reduced. Alternating: preprocess once, then for each network one forward (through
        ``model``) and one update; the later networks see the earlier ones already updated."""
        if not self.alternate:
            if model is self:
                return OnlineDistill.train_step(self, data, optim_wrapper)
            return MMDistributedDataParallel.train_step(model, data, optim_wrapper)
        with optim_wrapper.optim_context(model):
            data = self.data_preprocessor(data, True)
        log_vars, total = {}, 0.0
        for i in range(self.num_students):
            self._active = i
            try:
                with optim_wrapper.optim_context(model):
                    losses = model(**data, mode='loss')
                loss, parsed = self.parse_losses(losses)
                optim_wrapper.update_params(loss)
            finally:
                self._active = None
            total = total + parsed.pop('loss').detach()  # no host sync per student
            log_vars.update(parsed)
        log_vars['loss'] = torch.as_tensor(total)
        return log_vars

    def soft_targets(self, logits, labels):
        """Student i's target: the mean softmax of its peers at T."""
        t, m = self.temperature, len(logits)
        probs = [F.softmax(z / t, dim=1) for z in logits]
        return [sum(probs[j] for j in range(m) if j != i) / (m - 1) for i in range(m)], {}
