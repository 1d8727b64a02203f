"""IE-KD: losses against hand computation, gradient directions, channel splits, stage 1 learning,
stage 2 loading stage 1 (and refusing wrong checkpoints), resume of the encoders, bad input."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmrazor.registry import MODELS

from conftest import config_path, shrink, standin_checkpoints
from mmkd_plugins.models.connectors import (IEPartEncoder, IETeacherFactor,
                                            split_channels)
from mmkd_plugins.models.losses import ExplorationLoss, InheritanceLoss
from test_datasets import needs_data

TINY = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet8', in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=64))
STAGE1 = 'iekd/iekd-stage1_resnet20_1xb128_fashion-mnist-5k.py'
STAGE2 = 'iekd/iekd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py'


def hand_normalise(x):
    flat = x.reshape(x.shape[0], -1)
    return flat / flat.pow(2).sum(1, keepdim=True).sqrt()


def test_inheritance_loss_is_l1_of_normalised_factors():
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(2, 3, 2, 2, generator=g), torch.randn(2, 3, 2, 2, generator=g)
    ref = (hand_normalise(s) - hand_normalise(t)).abs().sum() / s.numel()
    assert InheritanceLoss(loss_weight=2.0)(s, t).item() == pytest.approx(2 * ref.item(), 1e-6)


def test_exploration_losses_by_hand():
    g = torch.Generator().manual_seed(1)
    s, t = torch.randn(4, 2, 3, 3, generator=g), torch.randn(4, 2, 3, 3, generator=g)
    l1 = (hand_normalise(s) - hand_normalise(t)).abs().mean()
    assert ExplorationLoss('l1', 0.5)(s, t).item() == pytest.approx(-0.5 * l1.item(), 1e-6)
    cos = [abs(torch.dot(a.flatten(), b.flatten()).item()) / (a.norm() * b.norm()).item()
           for a, b in zip(s, t)]
    assert ExplorationLoss('cos')(s, t).item() == pytest.approx(sum(cos) / 4, 1e-6)


@pytest.mark.parametrize('mode', ['l1', 'cos'])
def test_exploration_pushes_away_inheritance_pulls(mode):
    g = torch.Generator().manual_seed(2)
    t = torch.randn(8, 4, 3, 3, generator=g)
    s0 = t + 0.5 * torch.randn(8, 4, 3, 3, generator=g)

    def distance(s):
        if mode == 'cos':
            return (hand_normalise(s) * hand_normalise(t)).sum(1).abs().mean().neg().item()
        return (hand_normalise(s) - hand_normalise(t)).abs().mean().item()

    for loss, sign in ((ExplorationLoss(mode), +1), (InheritanceLoss(), -1)):
        if mode == 'cos' and isinstance(loss, InheritanceLoss):
            continue
        s = s0.clone().requires_grad_(True)
        tt = t.clone().requires_grad_(True)
        loss(s, tt).backward()
        assert tt.grad is None or tt.grad.abs().sum() == 0  # the teacher factor is a target
        moved = s0 - 50.0 * s.grad
        assert sign * (distance(moved) - distance(s0)) > 0


def test_loss_bad_input():
    with pytest.raises(ValueError, match='loss_weight'):
        InheritanceLoss(loss_weight=-1)
    with pytest.raises(ValueError, match='loss_weight'):
        ExplorationLoss(loss_weight=-0.1)
    with pytest.raises(ValueError, match="mode='l2'.*'l1', 'cos'"):
        ExplorationLoss(mode='l2')
    with pytest.raises(ValueError, match='factor'):
        InheritanceLoss()(torch.zeros(2, 4, 3, 3), torch.zeros(2, 4, 2, 2))


@pytest.mark.parametrize('split', ['natural', 'random'])
@pytest.mark.parametrize('ratio', [0.5, 0.25])
def test_splits_partition_channels(split, ratio):
    inh, exp = split_channels(16, split, ratio, seed=3)
    assert len(inh) == round(16 * ratio) and len(inh) + len(exp) == 16
    assert sorted(torch.cat([inh, exp]).tolist()) == list(range(16))
    a = IEPartEncoder(16, 8, 'inheritance', split, ratio, seed=3)
    b = IEPartEncoder(16, 8, 'exploration', split, ratio, seed=3)
    assert sorted(torch.cat([a.channels, b.channels]).tolist()) == list(range(16))
    if split == 'natural':
        assert inh.tolist() == list(range(len(inh)))
    else:
        assert inh.tolist() != list(range(len(inh)))
        assert inh.tolist() == split_channels(16, split, ratio, seed=3)[0].tolist()
    # the encoder sees exactly its channels: zeroing the others changes nothing
    x = torch.randn(2, 16, 4, 4)
    masked = torch.zeros_like(x)
    masked[:, a.channels] = x[:, a.channels]
    a.eval()
    assert torch.equal(a(x), a(masked))


def test_split_bad_input():
    for ratio in (0, 1, 1.5, -0.2):
        with pytest.raises(ValueError, match=r'ratio=.*\(0, 1\)'):
            split_channels(8, 'natural', ratio)
    with pytest.raises(ValueError, match="split='halves'.*'natural', 'random'"):
        split_channels(8, 'halves')
    with pytest.raises(ValueError, match="part='both'"):
        IEPartEncoder(8, 4, 'both')
    with pytest.raises(ValueError, match=r'\(B, 8, H, W\)'):
        IEPartEncoder(8, 4, 'inheritance')(torch.zeros(1, 6, 2, 2))


def save_teacher(tmp_path, cfg=TINY):
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        teacher = MODELS.build(copy.deepcopy(cfg))
    path = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), path)
    return path


def build_stage1(tmp_path, **kw):
    cfg = dict(type='mmrazor.IEFactorExtraction', teacher=copy.deepcopy(TINY),
               teacher_ckpt=save_teacher(tmp_path), feature='backbone.layer2',
               auto_encoder=dict(type='IEAutoEncoder', in_channels=32, factor_channels=16))
    cfg.update(kw)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def test_stage1_loss_falls_and_teacher_stays_frozen(tmp_path):
    torch.manual_seed(0)
    model = build_stage1(tmp_path)
    model.train()
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    x = torch.randn(16, 1, 16, 16)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all(n.startswith('auto_encoder.') for n in trainable)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    first = None
    for _ in range(30):
        loss = model.loss(x)['loss_rec']
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.6 * first
    for k, v in model.teacher.state_dict().items():  # BN running stats included
        assert torch.equal(v, teacher_before[k]), k
    assert model(x, mode='tensor').shape == (16, 16, 8, 8)  # the factor F_T


def test_stage1_bad_input(tmp_path):
    with pytest.raises(ValueError, match="teacher_recorders.feature: source='backbone.layer9'"):
        build_stage1(tmp_path, feature='backbone.layer9')
    with pytest.raises(FileNotFoundError, match='tools/train.py configs/teachers/x.py'):
        build_stage1(tmp_path, teacher_ckpt=str(tmp_path / 'none.pth'),
                     teacher_config='configs/teachers/x.py')
    with pytest.raises(ValueError, match="reconstruction='huber'"):
        build_stage1(tmp_path, reconstruction='huber')
    model = build_stage1(tmp_path, auto_encoder=dict(type='IEAutoEncoder', in_channels=64,
                                                     factor_channels=16))
    with pytest.raises(ValueError, match=r'in_channels=64.*\(16, 32, 8, 8\)'):
        model.loss(torch.randn(16, 1, 16, 16))


def test_teacher_factor_loads_stage1_and_refuses_wrong_checkpoints(tmp_path):
    stage1 = build_stage1(tmp_path)
    path = str(tmp_path / 'stage1.pth')
    torch.save(dict(state_dict=stage1.state_dict()), path)
    factor = IETeacherFactor(32, 16, stage1_checkpoint=path)
    for k, v in factor.encoder.state_dict().items():
        assert torch.equal(v, stage1.auto_encoder.encoder.state_dict()[k])
    assert not any(p.requires_grad for p in factor.parameters())
    factor.train()
    assert not factor.encoder.training
    with pytest.raises(FileNotFoundError, match='train stage 1 first'):
        IETeacherFactor(32, 16, stage1_checkpoint=str(tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match='shape mismatches'):
        IETeacherFactor(32, 8, stage1_checkpoint=path)
    with pytest.raises(KeyError, match='not a stage-1'):
        IETeacherFactor(32, 16, stage1_checkpoint=save_teacher(tmp_path))


@needs_data
def test_stage1_then_stage2_train_and_resume_restores_encoders(tmp_path):
    teacher = Config.fromfile(config_path('teachers/resnet20_1xb128_fashion-mnist-5k.py'))
    teacher_ckpt = save_teacher(tmp_path, teacher.model)
    cfg1 = Config.fromfile(config_path(STAGE1))
    cfg1.model.teacher_ckpt = teacher_ckpt
    cfg1 = shrink(cfg1, tmp_path / 's1', n_train=64, n_val=16, batch_size=16)
    runner = Runner.from_cfg(cfg1)
    runner.train()
    rec_losses = runner.message_hub.get_scalar('train/loss_rec').data[0]
    assert len(rec_losses) == 4 and rec_losses[-1] < rec_losses[0]
    stage1_ckpt = str(tmp_path / 's1' / 'epoch_1.pth')

    cfg2 = Config.fromfile(config_path(STAGE2))
    cfg2.model.teacher_ckpt = teacher_ckpt
    cfg2.model.distiller.connectors.teacher_factor.stage1_checkpoint = stage1_ckpt
    cfg2 = shrink(cfg2, tmp_path / 's2', n_train=64, n_val=16, batch_size=32)
    runner = Runner.from_cfg(copy.deepcopy(cfg2))
    before = copy.deepcopy(runner.model.state_dict())
    runner.train()
    after = runner.model.state_dict()
    scalars = runner.message_hub.log_scalars
    for key in ('train/distill.loss_inheritance', 'train/distill.loss_exploration',
                'train/student.loss'):
        assert torch.isfinite(torch.tensor(scalars[key].current()))
    conn = 'distiller.connectors.'
    for part in ('inheritance', 'exploration'):
        key = f'{conn}{part}.encoder.1.weight'
        assert not torch.equal(before[key], after[key]), f'{part} encoder did not train'
    assert not torch.equal(before['architecture.backbone.conv1.weight'],
                           after['architecture.backbone.conv1.weight'])
    s1 = torch.load(stage1_ckpt, map_location='cpu', weights_only=True)['state_dict']
    for k, v in after.items():  # the teacher factor stayed stage 1's encoder
        if k.startswith(conn + 'teacher_factor.encoder.'):
            assert torch.equal(v, s1['auto_encoder.encoder.' + k.split('encoder.', 1)[1]]), k
    # resume: a new runner restores the trained encoders (and everything else) exactly
    cfg2.resume = True
    cfg2.load_from = str(tmp_path / 's2' / 'epoch_1.pth')
    resumed = Runner.from_cfg(cfg2)
    resumed.train()  # already at max_epochs: loads the checkpoint and stops
    for k, v in resumed.model.state_dict().items():
        assert torch.equal(v, after[k]), k


def test_stage2_configs_build_with_their_losses(tmp_path):
    """Every IE-KD stage-2 variant builds and computes its losses on a batch."""
    from mmpretrain.structures import DataSample
    for rel, extra in ((STAGE2, set()),
                       (STAGE2.replace('iekd_', 'iekd-kd_'), {'loss_kl'}),
                       (STAGE2.replace('iekd_', 'iekd-at_'), {'loss_at1', 'loss_at2', 'loss_at3'}),
                       (STAGE2.replace('iekd_', 'iekd-ft_'), {'loss_ft'}),
                       (STAGE2.replace('iekd_', 'iekd-cos-random_'), set())):
        cfg = standin_checkpoints(Config.fromfile(config_path(rel)), tmp_path)
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            model = MODELS.build(cfg.model)
        x = torch.randn(4, 1, 28, 28)
        samples = [DataSample().set_gt_label(i % 10) for i in range(4)]
        losses = model.loss(x, samples)
        keys = {k.split('.', 1)[1] for k in losses if k.startswith('distill.')}
        assert keys == {'loss_inheritance', 'loss_exploration'} | extra, rel
        assert all(torch.isfinite(v).all() for v in losses.values())
