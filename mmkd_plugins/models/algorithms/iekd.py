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
"""
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope
from mmrazor.models.algorithms import BaseAlgorithm
from mmrazor.models.task_modules import RecorderManager
from mmrazor.registry import MODELS

from .utils import (check_recorder_sources, check_teacher_ckpt, load_teacher,
                    merge_data_preprocessor)

RECONSTRUCTIONS = ('l1', 'l2')


@MODELS.register_module()
class IEFactorExtraction(BaseAlgorithm):
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
