"""IE-KD losses (Huang et al., CVPR 2021, Eq. 3-5).

Factors are flattened per sample and L2-normalised, F / ||F||_2, as in Factor Transfer
(mmrazor's ``FTLoss.factor``). With F_inh, F_exp the encoded inheritance / exploration parts of
the student and F_T the stage-1 teacher factor:

    L_inh =  || F_inh/||F_inh||_2 - F_T/||F_T||_2 ||_1          (pull, Eq. 3)
    L_exp = -|| F_exp/||F_exp||_2 - F_T/||F_T||_2 ||_1          (push, Eq. 4, mode='l1')
    L_exp =  mean_b |cos(F_exp, F_T)|                           (push, mode='cos')

and the student minimises L_goal + lambda_inh L_inh + lambda_exp L_exp (Eq. 5). The L1 norm is
averaged over batch and elements (``nn.L1Loss``'s mean, as FTLoss and the official code).
"""
import torch.nn as nn
import torch.nn.functional as F
from mmrazor.models.losses import FTLoss
from mmrazor.registry import MODELS

EXPLORATION_MODES = ('l1', 'cos')


def _check_weight(name, loss_weight):
    if loss_weight < 0:
        raise ValueError(f'{name}: loss_weight={loss_weight} (lambda) must be >= 0; the sign '
                         f'of the exploration term is part of the loss')


def _check_shapes(name, s_feature, t_feature):
    if s_feature.shape != t_feature.shape:
        raise ValueError(f'{name}: student factor {tuple(s_feature.shape)} and teacher factor '
                         f'{tuple(t_feature.shape)} differ; the matched student and teacher '
                         f'layers must have the same spatial size and the encoders the same '
                         f'factor_channels')


@MODELS.register_module()
class InheritanceLoss(FTLoss):
    """L_inh: L1 distance of the L2-normalised factors (mmrazor's FTLoss with checks)."""

    def __init__(self, loss_weight=1.0):
        _check_weight('InheritanceLoss', loss_weight)
        super().__init__(loss_weight)

    def forward(self, s_feature, t_feature):
        _check_shapes('InheritanceLoss', s_feature, t_feature)
        return super().forward(s_feature, t_feature.detach())


@MODELS.register_module()
class ExplorationLoss(nn.Module):
    """L_exp: push the exploration factor away from the teacher factor.

    Args:
        mode (str): 'l1' -- the negated L1 distance of Eq. 4; 'cos' -- the mean absolute cosine
            similarity (the official ``CosLoss(negative=True)`` variant, minimised at
            orthogonality).
        loss_weight (float): lambda_exp >= 0.
    """

    def __init__(self, mode='l1', loss_weight=1.0):
        super().__init__()
        if mode not in EXPLORATION_MODES:
            raise ValueError(f'ExplorationLoss: mode={mode!r} must be one of {EXPLORATION_MODES}')
        _check_weight('ExplorationLoss', loss_weight)
        self.mode, self.loss_weight = mode, loss_weight

    def forward(self, s_feature, t_feature):
        _check_shapes('ExplorationLoss', s_feature, t_feature)
        s = F.normalize(s_feature.flatten(1))
        t = F.normalize(t_feature.detach().flatten(1))
        if self.mode == 'l1':
            loss = -F.l1_loss(s, t)
        else:
            loss = (s * t).sum(1).abs().mean()
        return self.loss_weight * loss
