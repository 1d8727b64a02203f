"""IE-KD stage 1, "compact knowledge extraction" (Huang et al., CVPR 2021, Sec. 3.1).

An auto-encoder (:class:`~mmkd_plugins.models.connectors.IEAutoEncoder`) is trained on the frozen,
pretrained teacher's feature map ``feature`` (a module name such as ``backbone.layer3``, recorded
by an mmrazor ``ModuleOutputs`` recorder) with a reconstruction loss (official: L1):

    L_rec = || D(E(f_T)) - f_T ||_1,   F_T = E(f_T) is the teacher factor used in stage 2.

Only the auto-encoder trains; the teacher stays in eval mode. The run's checkpoint holds the
teacher (``architecture.*``) and the auto-encoder (``auto_encoder.encoder.*``/``decoder.*``);
stage 2 (``TeacherDistill`` + ``IETeacherFactor(stage1_checkpoint=...)``) loads the encoder from it.
Validation reports the teacher's own predictions (a check that the right teacher was loaded) and,
through ``predict``, nothing about the auto-encoder; the reconstruction loss is logged in training.

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
from mmengine.registry import DefaultScope
from mmrazor.models.algorithms import BaseAlgorithm
from mmrazor.models.task_modules import RecorderManager
from mmrazor.registry import MODELS

from ..connectors import IEAutoEncoder, IEPartEncoder
from ..losses import ExplorationLoss, InheritanceLoss
from .dml import DML
from .method import DistillMethod, DistillView, scalar
from .utils import (check_recorder_sources, check_teacher_ckpt, load_teacher,
                    merge_data_preprocessor)

RECONSTRUCTIONS = ('l1', 'l2')


@MODELS.register_module()
class IEFactorExtraction(BaseAlgorithm, DistillMethod):
    """Train the IE-KD auto-encoder on a frozen teacher's feature map.

    Args:
        teacher (dict): The teacher classifier config.
        teacher_ckpt (str): Its trained checkpoint (required; the teacher is frozen).
        feature (str): Name of the teacher module whose output is encoded, e.g. 'backbone.layer3'.
        auto_encoder (dict): ``dict(type='IEAutoEncoder', in_channels=..., factor_channels=...)``.
        reconstruction (str): 'l1' (official) or 'l2'.
        teacher_config (str, optional): Quoted in the error when ``teacher_ckpt`` is missing.
    """

    def __init__(self, teacher, teacher_ckpt, feature, auto_encoder, reconstruction='l1',
                 teacher_config=None, data_preprocessor=None, init_cfg=None):
        check_teacher_ckpt('IEFactorExtraction', teacher_ckpt, teacher_config)
        if reconstruction not in RECONSTRUCTIONS:
            raise ValueError(f'IEFactorExtraction: reconstruction={reconstruction!r} must be one '
                             f'of {RECONSTRUCTIONS}')
        teacher, data_preprocessor = merge_data_preprocessor(teacher, data_preprocessor)
        super().__init__(teacher, data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        recorders = dict(feature=dict(type='ModuleOutputs', source=feature))
        check_recorder_sources(recorders, self.architecture, 'teacher')
        with DefaultScope.overwrite_default_scope('mmrazor'):
            self.recorders = RecorderManager(recorders)
            self.auto_encoder = MODELS.build(auto_encoder)
        self.recorders.initialize(self.architecture)
        load_teacher(self.architecture, teacher_ckpt)
        for p in self.architecture.parameters():
            p.requires_grad = False
        self.feature, self.reconstruction = feature, reconstruction

    @property
    def teacher(self):
        return self.architecture

    def train(self, mode=True):
        super().train(mode)
        self.architecture.eval()  # the teacher is frozen, BN statistics included
        return self

    def teacher_feature(self, inputs):
        """The recorded teacher feature map for a batch (no gradient)."""
        with torch.no_grad(), self.recorders:
            self.architecture(inputs, mode='tensor')
            return self.recorders.get_recorder('feature').get_record_data()

    def loss(self, inputs, data_samples=None):
        feat = self.teacher_feature(inputs)
        rec = self.auto_encoder(feat)
        if self.reconstruction == 'l1':
            loss = F.l1_loss(rec, feat)
        else:
            loss = F.mse_loss(rec, feat)
        return dict(loss_rec=loss)

    def _predict(self, inputs, data_samples=None):
        return self.architecture(inputs, data_samples, mode='predict')

    def _forward(self, inputs, data_samples=None):
        return self.auto_encoder.encode(self.teacher_feature(inputs))

    # -- DistillMethod: a stage that trains no student ---------------------------------------
    KIND = 'extraction'

    def student_models(self):
        return {}

    def distill_view(self, inputs, data_samples, cache=None, key=None):
        """No student; the reconstruction loss on the batch."""
        return DistillView(logits={}, extra={k: scalar(v)
                                             for k, v in self.loss(inputs, data_samples).items()})

    def loss_role(self, key):
        return None, 'auxiliary'

    @classmethod
    def control_run(cls, model_cfg):
        raise ValueError('IE-KD stage 1 trains no student (it fits the auto-encoder of a frozen '
                         'teacher): there is no distillation to switch off')


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

    ROLES = dict(loss_ce='supervision', loss_kd='distillation', loss_inheritance='feature',
                 loss_exploration='feature', loss_rec='auxiliary')

    @classmethod
    def control_run(cls, model_cfg):
        return dict(super().control_run(model_cfg), lambda_inh=0.0, lambda_exp=0.0,
                    rec_weight=0.0)

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
