"""The 3-stage CIFAR ResNets of the KD literature (He et al., 2016, Sec. 4.2; RepDistiller's zoo).

Depth 6n+2 with n BasicBlocks per stage, stage widths ``base_channels * (1, 2, 4)`` and a 3x3 stem:
resnet8/14/20/32/44/56/110 (stem 16, widths 16-32-64) and the x4-wide resnet8x4/resnet32x4
(stem 32, widths 64-128-256) used by RepDistiller/mdistiller. Built on mmpretrain's
``ResNet_CIFAR`` (its blocks, 1x1-conv+BN projection shortcuts and init), so the state-dict keys
(``conv1``, ``norm1``, ``layer1..3``) are those of every mmpretrain ResNet.
"""
from mmpretrain.models.backbones.resnet import BasicBlock
from mmpretrain.models.backbones.resnet_cifar import ResNet_CIFAR
from mmpretrain.registry import MODELS


@MODELS.register_module()
class CIFARResNet(ResNet_CIFAR):
    """3-stage CIFAR ResNet.

    Args:
        arch (str): One of :attr:`arch_zoo` (``'resnet20'``, ``'resnet32x4'``, ...).
        in_channels (int): Input image channels (1 for Fashion-MNIST). Defaults to 3.
        out_indices (Sequence[int]): Stages to output, in ``(0, 1, 2)``. Defaults to ``(2, )``.
        zero_init_residual (bool): Zero-init the last BN of each block. Defaults to False, as the
            KD literature's reference implementations.
        **kwargs: Any other argument of mmpretrain's ``ResNet`` (``norm_cfg``, ``frozen_stages``,
            ``init_cfg``, ...).
    """
    arch_settings = {
        depth: (BasicBlock, ((depth - 2) // 6, ) * 3)
        for depth in (8, 14, 20, 32, 44, 56, 110)
    }
    arch_zoo = {
        **{f'resnet{d}': dict(depth=d, stem_channels=16, base_channels=16)
           for d in (8, 14, 20, 32, 44, 56, 110)},
        'resnet8x4': dict(depth=8, stem_channels=32, base_channels=64),
        # half-width resnet8 (widths 8-16-32, 20k parameters): the Fashion-MNIST protocol's
        # teacher-student pairs need a student clearly below resnet20 on 5,000 images
        'resnet8x0.5': dict(depth=8, stem_channels=8, base_channels=8),
        'resnet32x4': dict(depth=32, stem_channels=32, base_channels=64),
    }

    def __init__(self,
                 arch='resnet20',
                 in_channels=3,
                 out_indices=(2, ),
                 zero_init_residual=False,
                 **kwargs):
        if arch not in self.arch_zoo:
            raise ValueError(f'CIFARResNet: arch={arch!r} is not one of {sorted(self.arch_zoo)}')
        for key in ('depth', 'stem_channels', 'base_channels', 'num_stages', 'strides',
                    'dilations'):
            if key in kwargs:
                raise ValueError(f'CIFARResNet: {key!r} is set by arch={arch!r}; '
                                 'choose another arch instead')
        if any(i not in (0, 1, 2) for i in out_indices):
            raise ValueError(f'CIFARResNet: out_indices={out_indices} must be within (0, 1, 2)')
        self.arch = arch
        super().__init__(
            **self.arch_zoo[arch],
            in_channels=in_channels,
            num_stages=3,
            strides=(1, 2, 2),
            dilations=(1, 1, 1),
            out_indices=tuple(out_indices),
            zero_init_residual=zero_init_residual,
            **kwargs)
