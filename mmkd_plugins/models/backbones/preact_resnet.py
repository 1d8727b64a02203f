"""Pre-activation residual networks: PreAct ResNet-18 (PS-KD's CIFAR model) and WRN-d-w.

- He et al., "Identity Mappings in Deep Residual Networks", ECCV 2016: block
  ``x + conv(relu(bn(conv(relu(bn(x))))))``; the projection shortcut (1x1 conv, no BN) takes the
  pre-activated input. PreAct ResNet-18 has a 3x3 stem (conv-BN-ReLU, as the official PS-KD code)
  and 4 stages of 2 blocks, widths 64-128-256-512.
- Zagoruyko & Komodakis, "Wide Residual Networks", BMVC 2016: WRN-d-w has a 3x3 stem conv of 16,
  3 stages of n = (d-4)/6 pre-activation blocks of widths 16w-32w-64w (optional dropout between
  the two convs) and a final BN-ReLU.

Stages are named ``layer1..layerN`` as in mmpretrain's ResNet, so feature hooks/recorders name
``backbone.layer3`` the same way on every backbone here.
"""
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS

_INIT = [
    dict(type='Kaiming', layer=['Conv2d']),
    dict(type='Constant', val=1, bias=0, layer=['_BatchNorm']),
]


class PreActBlock(nn.Module):
    """Pre-activation basic block (BN-ReLU-conv3x3-BN-ReLU-[dropout]-conv3x3 + shortcut)."""

    def __init__(self, in_channels, out_channels, stride=1, drop_rate=0.0):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.drop_rate = drop_rate
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)

    def forward(self, x):
        out = F.relu(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(out)
        out = self.conv1(out)
        out = F.relu(self.bn2(out))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return self.conv2(out) + identity


class _PreActNet(BaseBackbone):
    """Stem, ``layer1..N`` of :class:`PreActBlock` and an optional final BN-ReLU."""

    def __init__(self, in_channels, stem_channels, stem_norm, widths, num_blocks, strides,
                 drop_rate, final_norm, out_indices, init_cfg):
        super().__init__(init_cfg=init_cfg if init_cfg is not None else _INIT)
        num_stages = len(widths)
        if any(not 0 <= i < num_stages for i in out_indices):
            raise ValueError(f'{type(self).__name__}: out_indices={tuple(out_indices)} must be '
                             f'within 0..{num_stages - 1}')
        self.out_indices = tuple(out_indices)
        self.conv1 = nn.Conv2d(in_channels, stem_channels, 3, 1, 1, bias=False)
        self.norm1 = nn.BatchNorm2d(stem_channels) if stem_norm else None
        self.stage_names = []
        cin = stem_channels
        for i, (width, n, stride) in enumerate(zip(widths, num_blocks, strides)):
            blocks = [PreActBlock(cin if j == 0 else width, width, stride if j == 0 else 1,
                                  drop_rate) for j in range(n)]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
            self.stage_names.append(f'layer{i + 1}')
            cin = width
        self.norm_final = nn.BatchNorm2d(cin) if final_norm else None
        self.feat_dim = cin

    def forward(self, x):
        x = self.conv1(x)
        if self.norm1 is not None:
            x = F.relu(self.norm1(x))
        outs = []
        for i, name in enumerate(self.stage_names):
            x = getattr(self, name)(x)
            if i == len(self.stage_names) - 1 and self.norm_final is not None:
                x = F.relu(self.norm_final(x))
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


@MODELS.register_module()
class PreActResNet(_PreActNet):
    """PreAct ResNet for 32x32 inputs (PS-KD's ``CIFAR_ResNet18_preActBasic``).

    Args:
        depth (int): 18 or 34. Defaults to 18.
        in_channels (int): Input channels. Defaults to 3.
        out_indices (Sequence[int]): Stages to output. Defaults to ``(3, )``.
        init_cfg (dict | list, optional): mmengine init config.
    """
    arch_settings = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}

    def __init__(self, depth=18, in_channels=3, out_indices=(3, ), init_cfg=None):
        if depth not in self.arch_settings:
            raise ValueError(f'PreActResNet: depth={depth} is not one of '
                             f'{sorted(self.arch_settings)}')
        super().__init__(in_channels, 64, True, (64, 128, 256, 512), self.arch_settings[depth],
                         (1, 2, 2, 2), 0.0, False, out_indices, init_cfg)


@MODELS.register_module()
class WideResNet(_PreActNet):
    """WRN-d-w for 32x32 inputs (``depth=16, widen_factor=2`` is wrn-16-2).

    Args:
        depth (int): Total depth, ``6n + 4``. Defaults to 16.
        widen_factor (int): Width multiplier ``w``. Defaults to 2.
        drop_rate (float): Dropout between the two convs of a block. Defaults to 0.
        in_channels (int): Input channels. Defaults to 3.
        out_indices (Sequence[int]): Stages to output (the last one after the final BN-ReLU).
            Defaults to ``(2, )``.
        init_cfg (dict | list, optional): mmengine init config.
    """

    def __init__(self, depth=16, widen_factor=2, drop_rate=0.0, in_channels=3,
                 out_indices=(2, ), init_cfg=None):
        if depth < 10 or (depth - 4) % 6:
            raise ValueError(f'WideResNet: depth={depth} must be 6n+4 (10, 16, 22, 28, 40, ...)')
        if widen_factor < 1:
            raise ValueError(f'WideResNet: widen_factor={widen_factor} must be >= 1')
        n = (depth - 4) // 6
        widths = tuple(c * widen_factor for c in (16, 32, 64))
        super().__init__(in_channels, 16, False, widths, (n, n, n), (1, 2, 2), drop_rate, True,
                         out_indices, init_cfg)
