"""Bad input, swept: every registered class (and the tools' entry points) refuses each invalid
argument with the expected error type and a message that names the field. One case per line in
CASES; the count is reported by test_the_sweep_is_broad."""
import copy
import re

import pytest
import torch
from mmengine.registry import DefaultScope

from mmkd_plugins.engine.hooks import EarlyStopKDHook, KDCLGeneralHook
from mmkd_plugins.evaluation.calibration import ECE
from mmkd_plugins.models.algorithms import PredictionMemory
from mmkd_plugins.models.algorithms.kdcl_ensembles import (GeneralEnsemble, LinearEnsemble,
                                                           NaiveEnsemble, build_ensemble)
from mmkd_plugins.models.connectors import IEAutoEncoder, IEPartEncoder, IETeacherFactor
from mmkd_plugins.models.losses import ExplorationLoss, InheritanceLoss

CLS = dict(type='ImageClassifier',
           backbone=dict(type='CIFARResNet', arch='resnet8', in_channels=1),
           neck=dict(type='GlobalAveragePooling'),
           head=dict(type='LinearClsHead', num_classes=3, in_channels=64))


def cls(num_classes=3):
    c = copy.deepcopy(CLS)
    c['head']['num_classes'] = num_classes
    return c


def razor(**cfg):
    from mmrazor.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def pretrain(**cfg):
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def dataset(**kw):
    from mmkd_plugins.datasets import LocalFashionMNIST
    return LocalFashionMNIST(**kw)


def wrong_kind_ckpt(tmp):
    path = str(tmp / 'classifier.pth')
    torch.save(dict(state_dict={'backbone.conv1.weight': torch.zeros(1)}), path)
    return path


def valid_teacher_ckpt(tmp):
    path = str(tmp / 'teacher.pth')
    torch.save(dict(state_dict=pretrain(**cls()).state_dict()), path)
    return path


def memory_write_nan():
    m = PredictionMemory(4, 3)
    m.write(torch.arange(2), torch.full((2, 3), float('nan')))


def memory_write_wrong_shape():
    m = PredictionMemory(4, 3)
    m.write(torch.arange(2), torch.ones(2, 5) / 5)


def memory_index_out_of_range():
    m = PredictionMemory(4, 3)
    m.write(torch.tensor([7]), torch.ones(1, 3) / 3)


def pskd_nonfinite_loss():
    from mmpretrain.structures import DataSample
    model = razor(type='mmrazor.PSKD', architecture=cls(), memory=dict(num_samples=4))
    model.set_alpha(0, 2)
    x = torch.full((2, 1, 12, 12), float('nan'))
    model.loss(x, [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(i) for i in range(2)])


def kdcl_views(n_views):
    model = razor(type='mmrazor.KDCL', students=[cls(), cls()])
    from mmpretrain.structures import DataSample
    views = [torch.randn(2, 1, 12, 12) for _ in range(n_views)]
    model.loss(views, [DataSample().set_gt_label(0), DataSample().set_gt_label(1)])


def ensemble_members(ens, m):
    ens([torch.randn(2, 3) for _ in range(m)], torch.tensor([0, 1]))


# (id, callable, error type, regex the message must match: it names the field)
CASES = [
    # backbones
    ('cifar-arch', lambda t: pretrain(type='CIFARResNet', arch='resnet9'), (ValueError, KeyError), 'arch'),
    ('cifar-out-indices', lambda t: pretrain(type='CIFARResNet', arch='resnet8', out_indices=(5, )), (ValueError, AssertionError), 'out_indices'),
    ('wrn-depth', lambda t: pretrain(type='WideResNet', depth=17), ValueError, 'depth'),
    ('wrn-widen', lambda t: pretrain(type='WideResNet', depth=16, widen_factor=0), ValueError, 'widen_factor'),
    ('preact-depth', lambda t: pretrain(type='PreActResNet', depth=20), ValueError, 'depth'),
    # dataset
    ('fmnist-split', lambda t: dataset(split='val'), ValueError, 'split'),
    ('fmnist-test-mode', lambda t: dataset(split='train', test_mode=True), ValueError, 'test_mode'),
    ('fmnist-download', lambda t: dataset(download=True), ValueError, 'download'),
    ('fmnist-missing', lambda t: dataset(data_root=str(t / 'none'), cache_dir=str(t)), FileNotFoundError, 'data_root'),
    # PS-KD
    ('pskd-alpha-range', lambda t: razor(type='mmrazor.PSKD', architecture=cls(), alpha_T=1.5), ValueError, 'alpha_T'),
    ('pskd-alpha-type', lambda t: razor(type='mmrazor.PSKD', architecture=cls(), alpha_T='high'), ValueError, 'alpha_T'),
    ('pskd-source', lambda t: razor(type='mmrazor.PSKD', architecture=cls(), source='teacher'), ValueError, 'source'),
    ('pskd-memory-classes', lambda t: razor(type='mmrazor.PSKD', architecture=cls(), memory=dict(num_samples=4, num_classes=7)), ValueError, 'num_classes'),
    ('pskd-memory-dtype', lambda t: razor(type='mmrazor.PSKD', architecture=cls(), memory=dict(dtype='int8')), ValueError, 'dtype'),
    ('pskd-memory-snapshot', lambda t: razor(type='mmrazor.PSKD', architecture=cls(), source='snapshot', memory=dict(num_samples=4)), ValueError, 'memory'),
    ('memory-samples', lambda t: PredictionMemory(0, 3), ValueError, 'num_samples'),
    ('memory-classes-type', lambda t: PredictionMemory(4, 3.0), ValueError, 'num_classes'),
    ('memory-topk', lambda t: PredictionMemory(4, 3, topk=3), ValueError, 'topk'),
    ('memory-residual', lambda t: PredictionMemory(4, 3, topk=1, residual='keep'), ValueError, 'residual'),
    ('memory-nonfinite', lambda t: memory_write_nan(), ValueError, 'non-finite|finite'),
    ('pskd-nonfinite-loss', lambda t: pskd_nonfinite_loss(), FloatingPointError, 'loss_pskd'),
    ('memory-shape', lambda t: memory_write_wrong_shape(), ValueError, 'shape|classes'),
    ('memory-index', lambda t: memory_index_out_of_range(), (ValueError, IndexError), 'sample_idx|index'),
    # KDCL and its ensembles
    ('kdcl-one-student', lambda t: razor(type='mmrazor.KDCL', students=[cls()]), ValueError, 'm >= 2'),
    ('kdcl-classes', lambda t: razor(type='mmrazor.KDCL', students=[cls(3), cls(4)]), ValueError, 'num_classes'),
    ('kdcl-temperature', lambda t: razor(type='mmrazor.KDCL', students=[cls(), cls()], temperature=0), ValueError, 'temperature'),
    ('kdcl-kd-weight', lambda t: razor(type='mmrazor.KDCL', students=[cls(), cls()], kd_weight=-1), ValueError, 'kd_weight'),
    ('kdcl-eval-student', lambda t: razor(type='mmrazor.KDCL', students=[cls(), cls()], eval_student=2), ValueError, 'eval_student'),
    ('kdcl-ensemble-type', lambda t: razor(type='mmrazor.KDCL', students=[cls(), cls()], ensemble=dict(type='Mean')), ValueError, 'ensemble type'),
    ('kdcl-view-count', lambda t: kdcl_views(3), ValueError, 'MultiView'),
    ('naive-per', lambda t: NaiveEnsemble(per='pixel'), ValueError, 'per'),
    ('naive-args', lambda t: build_ensemble(dict(type='Naive', ridge=1), 2), ValueError, "'per'"),
    ('linear-members', lambda t: LinearEnsemble(1), ValueError, 'num_members'),
    ('linear-member-count', lambda t: ensemble_members(LinearEnsemble(2), 3), ValueError, 'members'),
    ('general-ridge', lambda t: GeneralEnsemble(2, ridge=-1), ValueError, 'ridge'),
    ('general-hook-interval', lambda t: KDCLGeneralHook(heldout_dataloader=dict(batch_size=4), interval=0), ValueError, 'interval'),
    ('general-hook-loader', lambda t: KDCLGeneralHook(), ValueError, 'heldout_dataloader'),
    # DML / IE-DML
    ('dml-alternate', lambda t: razor(type='mmrazor.DML', students=[cls(), cls()], alternate='yes'), TypeError, 'alternate'),
    ('dml-views', lambda t: razor(type='mmrazor.DML', students=[cls(), cls()], views='mixed'), ValueError, 'views'),
    ('iedml-views', lambda t: razor(type='mmrazor.IEDML', students=[cls(), cls()], feature='backbone.layer3', in_channels=[64, 64], factor_channels=8, views='per_student'), ValueError, 'views'),
    ('iedml-feature', lambda t: razor(type='mmrazor.IEDML', students=[cls(), cls()], feature='backbone.layer9', in_channels=[64, 64], factor_channels=8), ValueError, 'layer9'),
    ('iedml-in-channels', lambda t: razor(type='mmrazor.IEDML', students=[cls(), cls()], feature='backbone.layer3', in_channels=[64], factor_channels=8), ValueError, 'in_channels'),
    ('iedml-rec-weight', lambda t: razor(type='mmrazor.IEDML', students=[cls(), cls()], feature='backbone.layer3', in_channels=[64, 64], factor_channels=8, rec_weight=-1), ValueError, 'rec_weight'),
    # IE-KD connectors and losses
    ('ae-channels', lambda t: IEAutoEncoder(0, 8), ValueError, 'in_channels'),
    ('ae-factor-type', lambda t: IEAutoEncoder(16, 8.5), ValueError, 'factor_channels'),
    ('ae-input-shape', lambda t: IEAutoEncoder(16, 8).encode(torch.randn(2, 15, 4, 4)), ValueError, 'in_channels'),
    ('part-part', lambda t: IEPartEncoder(16, 8, part='both'), ValueError, 'part'),
    ('part-split', lambda t: IEPartEncoder(16, 8, part='inheritance', split='zigzag'), ValueError, 'split'),
    ('part-ratio', lambda t: IEPartEncoder(16, 8, part='inheritance', ratio=1.0), ValueError, 'ratio'),
    ('factor-missing-ckpt', lambda t: IETeacherFactor(16, 8, stage1_checkpoint=str(t / 'no.pth')), FileNotFoundError, 'stage1_checkpoint|stage-1 checkpoint'),
    ('factor-wrong-kind', lambda t: IETeacherFactor(16, 8, stage1_checkpoint=wrong_kind_ckpt(t)), KeyError, 'stage-1'),
    ('inh-weight', lambda t: InheritanceLoss(loss_weight=-1), ValueError, 'loss_weight'),
    ('exp-mode', lambda t: ExplorationLoss(mode='l2'), ValueError, 'mode'),
    ('exp-weight', lambda t: ExplorationLoss(loss_weight=-0.5), ValueError, 'loss_weight'),
    # teacher-student
    ('teacher-missing-ckpt', lambda t: razor(type='mmrazor.TeacherDistill', architecture=cls(), teacher=cls(), teacher_ckpt=str(t / 'no.pth'), distiller=dict(type='ConfigurableDistiller')), FileNotFoundError, 'teacher_ckpt|teacher checkpoint'),
    ('teacher-wrong-kind', lambda t: razor(type='mmrazor.TeacherDistill', architecture=cls(), teacher=cls(), teacher_ckpt=wrong_kind_ckpt(t), distiller=dict(type='ConfigurableDistiller')), RuntimeError, 'missing keys|size mismatch'),
    ('teacher-recorder', lambda t: razor(type='mmrazor.TeacherDistill', architecture=cls(), teacher=cls(), teacher_ckpt=valid_teacher_ckpt(t), distiller=dict(type='ConfigurableDistiller', student_recorders=dict(x=dict(type='ModuleOutputs', source='backbone.layer7')))), ValueError, 'layer7'),
    ('eskd-stop-epoch', lambda t: EarlyStopKDHook(stop_epoch=0), ValueError, 'stop_epoch'),
    ('eskd-stop-type', lambda t: EarlyStopKDHook(stop_epoch=2.5), ValueError, 'stop_epoch'),
    # metrics
    ('ece-bins', lambda t: ECE(n_bins=0), ValueError, 'n_bins'),
]


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_error_naming_the_field(case, tmp_path):
    _, fn, error, field = case
    with pytest.raises(error) as info:
        fn(tmp_path)
    assert re.search(field, str(info.value)), f'{case[0]}: {info.value!r} does not name {field}'


def test_the_sweep_is_broad():
    assert len(CASES) >= 60
    print(f'{len(CASES)} bad inputs swept')
