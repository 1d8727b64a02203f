"""The recipes as the reference implementations have them (docs/fidelity.md): every default that
changes results is read back from the configs and modules where it could regress."""
import copy
import math

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

from conftest import config_path
from mmkd_plugins.models.connectors import IEAutoEncoder, IEPartEncoder


def load(rel):
    return Config.fromfile(config_path(rel))


def losses_of(cfg):
    return cfg.model.distiller.distill_losses


# 1. attention transfer: beta = 1000 per map pair
@pytest.mark.parametrize('rel,keys', [
    ('at/at_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', ['loss_at0', 'loss_at1', 'loss_at2']),
    ('iekd/iekd-at_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', ['loss_at1', 'loss_at2', 'loss_at3']),
])
def test_attention_transfer_weight_is_1000_per_map(rel, keys):
    losses = losses_of(load(rel))
    for k in keys:
        assert losses[k].type == 'ATLoss' and losses[k].loss_weight == 1000.0


# 2. Hinton KD: CIFAR-style CE 0.1 + KD 0.9 at T = 4; ImageNet CE 0.5 + KD 0.5 at T = 1
@pytest.mark.parametrize('rel,ce,kd,tau', [
    ('kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 0.1, 0.9, 4.0),
    ('kd/kd_resnet34_resnet18_8xb32_in1k.py', 0.5, 0.5, 1.0),
    ('takd/takd-stage2_resnet14_resnet8x0.5_1xb128_fashion-mnist-5k.py', 0.1, 0.9, 4.0),
    ('eskd/eskd-a_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 0.1, 0.9, 4.0),
    # 5. IE + KD: (1 - alpha) CE + alpha T^2 KL, alpha = 0.9, T = 4
    ('iekd/iekd-kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 0.1, 0.9, 4.0),
    ('iekd/iekd-kd_resnet56_resnet20_1xb128_cifar100.py', 0.1, 0.9, 4.0),
])
def test_kd_weighting(rel, ce, kd, tau):
    cfg = load(rel)
    assert cfg.model.architecture.head.loss.loss_weight == pytest.approx(ce)
    kl = losses_of(cfg).loss_kl
    assert kl.type == 'KLDivergence'
    assert kl.loss_weight == pytest.approx(kd) and kl.tau == tau


def test_kd_imagenet_schedule_is_mdistillers():
    cfg = load('kd/kd_resnet34_resnet18_8xb32_in1k.py')
    assert cfg.train_cfg.max_epochs == 100
    assert cfg.param_scheduler.milestones == [30, 60, 90]


def test_kd_loss_built_from_the_config_equals_the_weighted_sum(tmp_path):
    """The built KD model's CE and KL terms carry the configured weights (hand reference)."""
    from conftest import standin_checkpoints
    cfg = load('kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py')
    standin_checkpoints(cfg, tmp_path)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    torch.manual_seed(0)
    x = torch.randn(4, 1, 28, 28)
    y = torch.tensor([0, 3, 5, 9])
    samples = [DataSample().set_gt_label(int(v)) for v in y]
    model.eval()  # fixed BN statistics, so the reference forward gives the same logits
    losses = model.loss(x, samples)
    with torch.no_grad():
        zs, zt = model.student(x, mode='tensor'), model.teacher(x, mode='tensor')
    ce = torch.nn.functional.cross_entropy(zs, y)
    kl = torch.nn.functional.kl_div(torch.log_softmax(zs / 4, 1), torch.softmax(zt / 4, 1),
                                    reduction='batchmean')
    assert losses['student.loss'].item() == pytest.approx(0.1 * ce.item(), rel=1e-4)
    assert losses['distill.loss_kl'].item() == pytest.approx(0.9 * 16 * kl.item(), rel=1e-4)


# 3. IE-KD stage 1: SGD lr 0.1 constant, momentum 0.9, Nesterov, wd 5e-4
@pytest.mark.parametrize('rel', ['iekd/iekd-stage1_resnet20_1xb128_fashion-mnist-5k.py',
                                 'iekd/iekd-stage1_resnet56_1xb128_cifar100.py',
                                 'iekd/iekd-stage1_resnet34_8xb32_in1k.py'])
def test_stage1_optimiser_is_the_official_sgd(rel):
    cfg = load(rel)
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.nesterov, opt.weight_decay) == \
        ('SGD', 0.1, 0.9, True, 5e-4)
    assert not cfg.param_scheduler  # constant rate


def test_stage1_cifar_runs_30_epochs_and_teacher_has_the_official_recipe():
    assert load('iekd/iekd-stage1_resnet56_1xb128_cifar100.py').train_cfg.max_epochs == 30
    teacher = load('teachers/resnet56_1xb128-iekd_cifar100.py')
    opt = teacher.optim_wrapper.optimizer
    assert (opt.lr, opt.nesterov, opt.weight_decay) == (0.1, True, 5e-4)
    assert teacher.train_cfg.max_epochs == 160
    assert teacher.param_scheduler.milestones == [80, 120]
    assert teacher.train_dataloader.batch_size == 128
    assert teacher.model.backbone.arch == 'resnet56'
    stage2 = load('iekd/iekd_resnet56_resnet20_1xb128_cifar100.py')
    assert stage2.model.teacher_config == 'configs/teachers/resnet56_1xb128-iekd_cifar100.py'


# 4. the auto-encoder: the decoder is the encoder's block (Conv2d, leading LeakyReLU)
def test_decoder_is_the_coder_block_with_plain_convolutions():
    ae = IEAutoEncoder(in_channels=16, factor_channels=8)
    for coder, (cin, cout) in ((ae.encoder, (16, 8)), (ae.decoder, (8, 16))):
        types = [type(m) for m in coder]
        assert types == [nn.LeakyReLU] + [nn.Conv2d, nn.BatchNorm2d, nn.LeakyReLU] * 3
        convs = [m for m in coder if isinstance(m, nn.Conv2d)]
        assert [(c.in_channels, c.out_channels) for c in convs] == \
            [(cin, cin), (cin, cout), (cout, cout)]
        assert all(c.bias is None and c.kernel_size == (3, 3) for c in convs)
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in ae.modules())
    x = torch.randn(2, 16, 7, 7)
    assert ae(x).shape == x.shape and ae.encode(x).shape == (2, 8, 7, 7)


def test_coder_convs_are_initialised_n0_sqrt_2_over_9cout():
    torch.manual_seed(0)
    ae = IEAutoEncoder(in_channels=64, factor_channels=32)
    part = IEPartEncoder(64, 32, 'inheritance')
    for conv in [m for m in list(ae.modules()) + list(part.modules())
                 if isinstance(m, nn.Conv2d)]:
        expected = math.sqrt(2.0 / (9 * conv.out_channels))
        w = conv.weight.detach()
        assert abs(w.mean().item()) < 0.1 * expected
        assert w.std().item() == pytest.approx(expected, rel=0.1)
    for bn in [m for m in ae.modules() if isinstance(m, nn.BatchNorm2d)]:
        assert torch.all(bn.weight == 1) and torch.all(bn.bias == 0)


# 5. IE combinations and the factor size
def test_ie_ft_weight_and_fashion_mnist_factor_is_half_the_students_width():
    ft = load('iekd/iekd-ft_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py')
    assert losses_of(ft).loss_ft.loss_weight == 500.0
    stage1 = load('iekd/iekd-stage1_resnet20_1xb128_fashion-mnist-5k.py')
    stage2 = load('iekd/iekd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py')
    assert stage2.student_channels == 32  # resnet8x0.5's layer3
    assert stage1.model.auto_encoder.factor_channels == 16 == stage2.factor_channels
    conn = stage2.model.distiller.connectors
    assert conn.inheritance.factor_channels == conn.teacher_factor.factor_channels == 16
    assert load('iekd/iedml_2xresnet8_1xb128_fashion-mnist-5k.py').model.factor_channels == 32


# 6. DML and IE-DML: one shared batch, alternating updates
STUDENT = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet8', in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=64))


def build(type_='mmrazor.DML', **kw):
    cfg = dict(type=type_, students=[copy.deepcopy(STUDENT) for _ in range(2)], **kw)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def test_dml_defaults_are_shared_batch_and_alternating_updates():
    model = build()
    assert model.views == 'shared' and model.alternate is True
    assert type(model.data_preprocessor).__name__ == 'ClsDataPreprocessor'
    for rel in ('dml/dml_2xresnet8_1xb128_fashion-mnist-5k.py', 'iekd/iedml_2xresnet8_1xb128_fashion-mnist-5k.py'):
        cfg = load(rel)
        assert cfg.model.views == 'shared' and cfg.model.alternate is True
        pipeline = [t.type for t in cfg.train_dataloader.dataset.pipeline]
        assert 'MultiView' not in pipeline, rel


def test_shared_batch_reaches_every_network_unchanged():
    torch.manual_seed(0)
    model = build(alternate=False)
    seen = []
    for s in model.students:
        s.backbone.register_forward_hook(lambda m, i, o: seen.append(i[0]))
    x = torch.randn(4, 1, 12, 12)
    samples = [DataSample().set_gt_label(y) for y in (0, 1, 2, 1)]
    losses = model.loss(x, samples)
    assert len(seen) == 2 and torch.equal(seen[0], x) and torch.equal(seen[1], x)
    assert set(losses) == {'student0.loss_ce', 'student0.loss_kd', 'student1.loss_ce',
                           'student1.loss_kd'}
    # MultiView views given to a shared-batch DML are a clear error naming the option
    with pytest.raises(ValueError, match="views='per_student'"):
        model.loss([x, x], samples)


def test_per_student_views_stay_available_for_dml_and_are_refused_for_iedml():
    model = build(views='per_student', alternate=False)
    assert type(model.data_preprocessor).__name__ == 'MultiViewDataPreprocessor'
    x1, x2 = torch.randn(4, 1, 12, 12), torch.randn(4, 1, 12, 12)
    samples = [DataSample().set_gt_label(y) for y in (0, 1, 2, 1)]
    assert torch.isfinite(model.loss([x1, x2], samples)['student1.loss_kd'])
    with pytest.raises(ValueError, match="IEDML: views='per_student' is refused"):
        build('mmrazor.IEDML', feature='backbone.layer3', in_channels=[64, 64],
              factor_channels=8, views='per_student')
    with pytest.raises(ValueError, match="views='mixed' must be one of"):
        build(views='mixed')


def test_alternation_order_network_0_first_then_1_against_the_updated_0():
    """The second network's KD target is the *updated* first network's prediction."""
    torch.manual_seed(0)
    model = build(temperature=1.0)
    x = torch.randn(4, 1, 12, 12)
    y = torch.tensor([0, 1, 2, 1])
    samples = [DataSample().set_gt_label(int(v)) for v in y]
    ref = copy.deepcopy(model)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.5))
    model.train_step(dict(inputs=[t for t in x], data_samples=samples), wrapper)
    # by hand on the preprocessed batch (ClsDataPreprocessor: identity normalisation here)
    xp = ref.data_preprocessor(dict(inputs=[t for t in x], data_samples=samples), True)['inputs']
    assert torch.equal(xp, x)
    opt = torch.optim.SGD(ref.parameters(), lr=0.5)
    for i in (0, 1):
        outs = [ref._run(k, xp, grad=(k == i)) for k in range(2)]
        sum(ref._student_losses(i, outs, y).values()).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    for k, v in ref.state_dict().items():
        assert torch.allclose(model.state_dict()[k].float(), v.float(), atol=1e-6), k


# 7. ImageNet recipes
def test_pskd_imagenet_recipe():
    cfg = load('pskd/pskd_resnet152_8xb32_in1k.py')
    opt = cfg.optim_wrapper.optimizer
    assert opt.nesterov is True and opt.weight_decay == 1e-4 and opt.momentum == 0.9
    types = [t.type for t in cfg.train_dataloader.dataset.pipeline]
    assert types == ['LoadImageFromFile', 'RandomResizedCrop', 'RandomFlip', 'ColorJitter',
                     'Lighting', 'PackInputs']
    jitter = cfg.train_dataloader.dataset.pipeline[3]
    assert (jitter.brightness, jitter.contrast, jitter.saturation) == (0.4, 0.4, 0.4)
    lighting = cfg.train_dataloader.dataset.pipeline[4]
    assert lighting.alphastd == 0.1
    assert lighting.eigval == pytest.approx([0.2175 * 255, 0.0188 * 255, 0.0045 * 255], rel=1e-3)


def test_kdcl_imagenet_gives_mobilenetv2_its_own_lr_and_weight_decay():
    from mmengine.optim import build_optim_wrapper
    cfg = load('kdcl/kdcl-minlogit_resnet50_mobilenetv2_8xb32_in1k.py')
    keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
    assert keys['students.1'] == dict(lr_mult=0.45, decay_mult=0.4)
    # built on a small stand-in with the same module names: the groups carry the two recipes
    model = build()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    by_name = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            by_name[id(p)] = (group['lr'], group['weight_decay'])
    p0 = model.students[0].backbone.conv1.weight
    p1 = model.students[1].backbone.conv1.weight
    assert by_name[id(p0)] == pytest.approx((0.1, 1e-4))
    assert by_name[id(p1)] == pytest.approx((0.045, 4e-5))


# 8. KDCL-Naive granularity in the configs (the hand references are in test_kdcl_ensembles.py)
@pytest.mark.parametrize('rel', ['kdcl/kdcl-naive_2xresnet8_1xb128_fashion-mnist-5k.py',
                                 'kdcl/kdcl-naive_2xresnet32_1xb64_cifar100.py'])
def test_naive_configs_choose_per_sample(rel):
    assert load(rel).model.ensemble == dict(type='Naive', per='sample')


# 9. FT as the IE-KD code runs it (processors/FT.py, config/ft/cifar100/resnet56-20.yaml):
# L = CE + 500 L_FT, L_FT = mean |F_S / |F_S| - F_T / |F_T||, F_T from the paraphraser (the
# stage-1 auto-encoder's encoder, frozen), F_S from a translator on the student's map
@pytest.mark.parametrize('protocol', ['fashion-mnist-1k', 'fashion-mnist-5k'])
def test_ft_is_the_iekd_codes_factor_transfer(protocol, tmp_path):
    from conftest import standin_checkpoints
    cfg = load(f'ft/ft_resnet20_resnet8x0.5_1xb128_{protocol}.py')
    assert losses_of(cfg).keys() == {'loss_ft'}
    assert (losses_of(cfg).loss_ft.type, losses_of(cfg).loss_ft.loss_weight) == ('FTLoss', 500.0)
    assert cfg.model.architecture.head.loss.loss_weight == 1.0  # CE unweighted
    conn = cfg.model.distiller.connectors
    assert (conn.translator.type, conn.translator.in_channel, conn.translator.out_channel) == \
        ('Translator', 32, 16)
    assert (conn.teacher_factor.type, conn.teacher_factor.in_channels,
            conn.teacher_factor.factor_channels) == ('IETeacherFactor', 64, 16)
    # the paraphraser is IE-KD's stage 1 of the same protocol (one checkpoint for both)
    iekd = load(f'iekd/iekd_resnet20_resnet8x0.5_1xb128_{protocol}.py')
    assert conn.teacher_factor.stage1_checkpoint == \
        iekd.model.distiller.connectors.teacher_factor.stage1_checkpoint
    standin_checkpoints(cfg, tmp_path)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.eval()
    torch.manual_seed(0)
    x = torch.randn(4, 1, 28, 28)
    losses = model.loss(x, [DataSample().set_gt_label(i) for i in range(4)])
    with torch.no_grad():
        fs = model.distiller.connectors['translator'](
            model.student.backbone(x)[-1])
        ft = model.distiller.connectors['teacher_factor'](model.teacher.backbone(x)[-1])
    hand = (torch.nn.functional.normalize(fs.flatten(1)) -
            torch.nn.functional.normalize(ft.flatten(1))).abs().mean()
    assert losses['distill.loss_ft'].item() == pytest.approx(500 * hand.item(), rel=1e-4)


# 10. a student larger than its teacher (IE-KD's Fig. 1(b)): the resnet20 -> resnet8x0.5 recipes
# with the networks swapped, the IE factor half the student's width
def test_larger_student_pair_swaps_the_networks_and_keeps_the_recipes():
    kd, kd_ref = (load(f'kd/kd_{pair}_1xb128_fashion-mnist-1k.py')
                  for pair in ('resnet8x0.5_resnet20', 'resnet20_resnet8x0.5'))
    for cfg in (kd, load('iekd/iekd_resnet8x0.5_resnet20_1xb128_fashion-mnist-1k.py')):
        m = cfg.model
        assert (m.architecture.backbone.arch, m.architecture.head.in_channels) == ('resnet20', 64)
        assert (m.teacher.backbone.arch, m.teacher.head.in_channels) == ('resnet8x0.5', 32)
        assert m.teacher_config == 'configs/baseline/resnet8x0.5_1xb128_fashion-mnist-1k.py'
    assert kd.model.distiller == kd_ref.model.distiller
    assert kd.model.architecture.head.loss == kd_ref.model.architecture.head.loss
    ie = load('iekd/iekd_resnet8x0.5_resnet20_1xb128_fashion-mnist-1k.py').model.distiller
    assert (ie.connectors.inheritance.in_channels, ie.connectors.inheritance.factor_channels,
            ie.connectors.teacher_factor.in_channels) == (64, 32, 32)
    stage1 = load('iekd/iekd-stage1_resnet8x0.5_1xb128_fashion-mnist-1k.py').model
    assert (stage1.teacher.backbone.arch, stage1.auto_encoder.in_channels,
            stage1.auto_encoder.factor_channels) == ('resnet8x0.5', 32, 32)
    assert ie.connectors.teacher_factor.stage1_checkpoint.startswith(
        'work_dirs/iekd-stage1_resnet8x0.5_1xb128_fashion-mnist-1k/')
