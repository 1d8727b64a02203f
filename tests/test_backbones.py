"""The KD literature's CIFAR backbones: shapes, parameter counts of the papers, bad input."""
import pytest
import torch
from mmpretrain.registry import MODELS


def n_params(model):
    return sum(p.numel() for p in model.parameters())


def classifier(backbone, feat_dim, num_classes=100):
    return MODELS.build(
        dict(type='ImageClassifier', backbone=backbone, neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=num_classes, in_channels=feat_dim)))


# Parameter counts with a 100-class fc, as tabulated by RepDistiller (Tian et al., ICLR 2020,
# Table 1: resnet20 0.28M, resnet32x4 7.43M, wrn-16-2 0.70M, wrn-40-2 2.26M, resnet8x4 1.23M) and
# PreAct ResNet-18 11.22M.
@pytest.mark.parametrize('backbone,feat_dim,millions', [
    (dict(type='CIFARResNet', arch='resnet20'), 64, 0.28),
    (dict(type='CIFARResNet', arch='resnet32x4'), 256, 7.43),
    (dict(type='CIFARResNet', arch='resnet8x4'), 256, 1.23),
    (dict(type='WideResNet', depth=16, widen_factor=2), 128, 0.70),
    (dict(type='WideResNet', depth=40, widen_factor=2), 128, 2.26),
    (dict(type='PreActResNet', depth=18), 512, 11.22),
])
def test_param_counts_match_the_literature(backbone, feat_dim, millions):
    model = classifier(backbone, feat_dim)
    assert abs(n_params(model) / 1e6 - millions) < 0.01 + 0.005 * millions


@pytest.mark.parametrize('backbone,shapes', [
    (dict(type='CIFARResNet', arch='resnet20', out_indices=(0, 1, 2)),
     [(16, 32, 32), (32, 16, 16), (64, 8, 8)]),
    (dict(type='CIFARResNet', arch='resnet32x4', in_channels=1, out_indices=(2, )),
     [(256, 7, 7)]),
    (dict(type='WideResNet', depth=16, widen_factor=2, out_indices=(0, 2)),
     [(32, 32, 32), (128, 8, 8)]),
    (dict(type='PreActResNet', out_indices=(1, 3)), [(128, 16, 16), (512, 4, 4)]),
])
def test_feature_shapes(backbone, shapes):
    model = MODELS.build(backbone)
    size = 28 if backbone.get('in_channels') == 1 else 32
    outs = model(torch.randn(2, backbone.get('in_channels', 3), size, size))
    assert [tuple(o.shape[1:]) for o in outs] == shapes


def test_stage_names_are_shared_and_gradients_flow():
    for cfg in (dict(type='CIFARResNet'), dict(type='WideResNet'), dict(type='PreActResNet')):
        model = MODELS.build(cfg)
        names = dict(model.named_children())
        assert {'conv1', 'layer1', 'layer2', 'layer3'} <= set(names), cfg
        model(torch.randn(2, 3, 32, 32))[-1].sum().backward()
        assert model.conv1.weight.grad.abs().sum() > 0


def test_wrn_final_norm_makes_last_stage_nonnegative():
    model = MODELS.build(dict(type='WideResNet', depth=10, widen_factor=1))
    assert model(torch.randn(2, 3, 32, 32))[0].min() >= 0


def test_preact_block_is_preactivated():
    """The residual branch starts with BN-ReLU, so a block of zero convs is the identity."""
    model = MODELS.build(dict(type='PreActResNet', out_indices=(0, )))
    block = model.layer1[1]
    torch.nn.init.zeros_(block.conv2.weight)
    x = torch.randn(2, 64, 8, 8)
    assert torch.equal(block(x), x)


@pytest.mark.parametrize('cfg,field', [
    (dict(type='CIFARResNet', arch='resnet21'), 'arch'),
    (dict(type='CIFARResNet', depth=20), 'depth'),
    (dict(type='CIFARResNet', out_indices=(3, )), 'out_indices'),
    (dict(type='WideResNet', depth=15), 'depth'),
    (dict(type='WideResNet', widen_factor=0), 'widen_factor'),
    (dict(type='PreActResNet', depth=50), 'depth'),
    (dict(type='PreActResNet', out_indices=(4, )), 'out_indices'),
])
def test_bad_arguments_name_the_field(cfg, field):
    with pytest.raises(ValueError, match=field):
        MODELS.build(cfg)
