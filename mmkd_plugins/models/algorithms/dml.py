"""Deep mutual learning (Zhang et al., CVPR 2018) and its IE-KD extension (Huang et al., 2021).

DML trains m >= 2 networks online; network i minimises (Eq. 10 of the DML paper)

    L_i = ce_weight * CE(z_i, y) + kd_weight * T^2 / (m-1) * sum_{j != i} KL(p_j || p_i),

with p = softmax(z / T) and the peers' p_j taken as constants. It is KDCL without an ensemble:
the same m students, validation and export, so :class:`DML` subclasses :class:`~.kdcl.KDCL` and
only replaces the distillation term.

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

:class:`IEDML` is IE-KD's "extension to deep mutual learning": every network also has an online
auto-encoder (:class:`~mmkd_plugins.models.connectors.IEAutoEncoder`) on its feature map
``feature``, trained by reconstruction on the detached map, whose factor is the "teacher factor"
its peers inherit from and explore away from; network i's inheritance / exploration parts
(:class:`~mmkd_plugins.models.connectors.IEPartEncoder`) get

    L_i += lambda_inh / (m-1) sum_j L_inh(F_inh_i, F_j) + lambda_exp / (m-1) sum_j L_exp(F_exp_i, F_j)
           + rec_weight * || D_i(E_i(f_i)) - f_i ||_1,

with F_j = E_j(f_j) detached. Choices where the paper is silent: the auto-encoders train online
from scratch together with the networks, and the factor targets are detached.
"""
import contextlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model.wrappers import MMDistributedDataParallel
from mmengine.registry import DefaultScope
from mmrazor.models.task_modules import RecorderManager
from mmrazor.registry import MODELS

from ...utils import sample_labels
from ..connectors import IEAutoEncoder, IEPartEncoder
from ..losses import ExplorationLoss, InheritanceLoss
from .kdcl import KDCL
from .utils import check_recorder_sources


@MODELS.register_module()
class DML(KDCL):
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
        eval_student (int): as :class:`KDCL`.
        data_preprocessor (dict, optional): Defaults to mmpretrain's ``ClsDataPreprocessor``
            for 'shared' views and ``MultiViewDataPreprocessor`` for 'per_student' views.
    """

    VIEWS = ('shared', 'per_student')

    def __init__(self, students, temperature=1.0, kd_weight=1.0, ce_weight=1.0, alternate=True,
                 views='shared', eval_student=0, data_preprocessor=None, init_cfg=None):
        if views not in self.VIEWS:
            raise ValueError(f'{type(self).__name__}: views={views!r} must be one of '
                             f'{self.VIEWS}')
        if views == 'shared':
            default = 'mmpretrain.ClsDataPreprocessor'
            if data_preprocessor is None:
                data_preprocessor = dict(type=default)
            elif isinstance(data_preprocessor, dict) and 'type' not in data_preprocessor:
                data_preprocessor = dict(data_preprocessor, type=default)
        super().__init__(students, ensemble=None, temperature=temperature, kd_weight=kd_weight,
                         ce_weight=ce_weight, eval_student=eval_student,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not isinstance(alternate, bool):
            raise TypeError(f'DML: alternate={alternate!r} must be True or False')
        self.alternate, self.views = alternate, views
        self._active = None  # the network being updated inside an alternating step

    def _views(self, inputs):
        """One view per student: the shared batch repeated, or the MultiView views."""
        if self.views == 'per_student':
            return super()._views(inputs)
        if not isinstance(inputs, torch.Tensor):
            raise ValueError(
                f"{type(self).__name__}: views='shared' feeds one batch to every network, but "
                f'the pipeline gave {len(inputs)} views per image: drop MultiView from the train '
                f"pipeline (and use ClsDataPreprocessor), or set views='per_student'")
        return [inputs] * self.num_students

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
                return super().train_step(data, optim_wrapper)
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


@MODELS.register_module()
class IEDML(DML):
    """DML with IE-KD's inheritance and exploration between the peers.

    Args:
        students (list[dict]): m >= 2 classifiers.
        feature (str): The module of every student whose output is split, e.g. 'backbone.layer3';
            the maps must have the same spatial size in all students.
        in_channels (list[int]): Channels of that map in each student.
        factor_channels (int): Channels of every factor.
        split (str), ratio (float), seed (int): The channel split, as ``IEPartEncoder``.
        lambda_inh, lambda_exp (float): Weights of L_inh and L_exp (>= 0).
        exploration_mode (str): 'l1' or 'cos', as ``ExplorationLoss``.
        rec_weight (float): Weight of each auto-encoder's reconstruction loss.
        Other arguments: as :class:`DML`, except ``views``: only 'shared' -- the L1 between
        normalised factors compares the networks' maps position by position, so every network
        must see the same crop and flip of each image.
    """

    def __init__(self, students, feature, in_channels, factor_channels, split='natural',
                 ratio=0.5, seed=0, lambda_inh=1.0, lambda_exp=1.0, exploration_mode='l1',
                 rec_weight=1.0, views='shared', **kwargs):
        if views != 'shared':
            raise ValueError(
                f"IEDML: views={views!r} is refused, only 'shared': inheritance and exploration "
                f'compare the networks\' feature maps position by position, which differently '
                f'cropped or flipped views misalign')
        super().__init__(students, views=views, **kwargs)
        m = self.num_students
        if not isinstance(in_channels, (list, tuple)) or len(in_channels) != m:
            raise ValueError(f'IEDML: in_channels={in_channels!r} must list the channels of '
                             f'{feature!r} for each of the {m} students')
        if rec_weight < 0:
            raise ValueError(f'IEDML: rec_weight={rec_weight} must be >= 0')
        recorders = {f'student{k}': dict(type='ModuleOutputs', source=f'students.{k}.{feature}')
                     for k in range(m)}
        check_recorder_sources(recorders, self, 'students')
        with DefaultScope.overwrite_default_scope('mmrazor'):
            self.recorders = RecorderManager(recorders)
        self.recorders.initialize(self)
        self.auto_encoders = nn.ModuleList(IEAutoEncoder(c, factor_channels) for c in in_channels)
        self.inheritance = nn.ModuleList(
            IEPartEncoder(c, factor_channels, 'inheritance', split, ratio, seed)
            for c in in_channels)
        self.exploration = nn.ModuleList(
            IEPartEncoder(c, factor_channels, 'exploration', split, ratio, seed)
            for c in in_channels)
        self.inheritance_loss = InheritanceLoss(lambda_inh)
        self.exploration_loss = ExplorationLoss(exploration_mode, lambda_exp)
        self.feature, self.rec_weight = feature, rec_weight

    def _run(self, k, view, grad=True):
        with contextlib.nullcontext() if grad else torch.no_grad(), self.recorders:
            logits = self.students[k](view, mode='tensor')
            feat = self.recorders.get_recorder(f'student{k}').get_record_data()
        return dict(logits=logits, feature=feat)

    def _student_losses(self, i, outs, labels):
        losses = super()._student_losses(i, outs, labels)
        m, f_i = self.num_students, outs[i]['feature']
        target = f_i.detach()
        losses[f'student{i}.loss_rec'] = self.rec_weight * F.l1_loss(
            self.auto_encoders[i](target), target)
        f_inh, f_exp = self.inheritance[i](f_i), self.exploration[i](f_i)
        inh = exp = 0
        for j in range(m):
            if j == i:
                continue
            with torch.no_grad():
                factor = self.auto_encoders[j].encode(outs[j]['feature'].detach())
            inh = inh + self.inheritance_loss(f_inh, factor)
            exp = exp + self.exploration_loss(f_exp, factor)
        losses[f'student{i}.loss_inheritance'] = inh / (m - 1)
        losses[f'student{i}.loss_exploration'] = exp / (m - 1)
        return losses
