"""KDCL algorithm: loss against a hand reference, detached target, every student learns, views
differ, Linear/General weights in checkpoints and resume, bad input, a tiny Runner run."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import DATASETS
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

from conftest import config_path, shrink
from mmkd_plugins.export import select_network
from test_datasets import needs_data

C = 3
STUDENT = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet8', in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=C, in_channels=64))
KDCL_FMNIST = config_path('kdcl/kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-5k.py')


def build(**kwargs):
    cfg = dict(type='mmrazor.KDCL', students=[copy.deepcopy(STUDENT) for _ in range(2)],
               ensemble=dict(type='MinLogit'), temperature=2.0)
    cfg.update(kwargs)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def views_and_samples(m=2, labels=(0, 2, 1), seed=0):
    g = torch.Generator().manual_seed(seed)
    views = [torch.randn(len(labels), 1, 12, 12, generator=g) for _ in range(m)]
    return views, [DataSample().set_gt_label(y) for y in labels]


def test_loss_equals_hand_reference():
    torch.manual_seed(0)
    model = build(kd_weight=0.5, ce_weight=1.0)
    views, samples = views_and_samples()
    y = torch.tensor([0, 2, 1])
    z = [s(v, mode='tensor').detach() for s, v in zip(model.students, views)]
    # MinLogit by hand: per-class min of z_i - z_i[y]
    zt = torch.minimum(z[0] - z[0].gather(1, y[:, None]), z[1] - z[1].gather(1, y[:, None]))
    pt = torch.exp(zt / 2) / torch.exp(zt / 2).sum(1, keepdim=True)
    losses = model.loss(views, samples)
    for i in range(2):
        log_q = z[i] / 2 - torch.log(torch.exp(z[i] / 2).sum(1, keepdim=True))
        kl = (pt * (torch.log(pt) - log_q)).sum(1).mean()
        assert losses[f'student{i}.loss_kd'].item() == pytest.approx(0.5 * 4 * kl.item(),
                                                                    rel=1e-4)
        assert losses[f'student{i}.loss_ce'].item() == pytest.approx(
            F.cross_entropy(z[i], y).item(), rel=1e-5)


def test_target_is_detached_each_student_learns_only_from_its_own_losses():
    model = build()
    views, samples = views_and_samples()
    losses = model.loss(views, samples)
    losses['student0.loss_kd'].backward()
    assert all(p.grad is None for p in model.students[1].parameters())
    assert model.students[0].head.fc.weight.grad.abs().sum() > 0


def test_every_student_changes_after_one_step_and_linear_weights_learn():
    from mmengine.optim import OptimWrapper
    model = build(ensemble=dict(type='Linear'))
    before = copy.deepcopy(model.state_dict())
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    views, samples = views_and_samples()
    data = dict(inputs=[(v * 50 + 100).clamp(0, 255).to(torch.uint8) for v in views],
                data_samples=samples)
    log = model.train_step(data, optim)
    assert {'student0.loss_ce', 'student1.loss_kd', 'ensemble.loss_ce'} <= set(log)
    after = model.state_dict()
    for i in range(2):
        key = f'students.{i}.head.fc.weight'
        assert not torch.equal(before[key], after[key]), key
    assert not torch.equal(before['ensemble.weights'], after['ensemble.weights'])


@needs_data
def test_each_student_gets_its_own_view():
    cfg = Config.fromfile(KDCL_FMNIST)
    init_default_scope('mmpretrain')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.indices = 8
    dataset = DATASETS.build(ds_cfg)
    item = dataset[0]
    assert len(item['inputs']) == 2
    differ = [not torch.equal(*dataset[i]['inputs']) for i in range(8)]
    assert sum(differ) >= 6  # random crop + flip: equal views are rare


@pytest.mark.parametrize('kwargs,field', [
    (dict(students=[STUDENT]), 'm >= 2'),
    (dict(ensemble=dict(type='Average')), 'ensemble type'),
    (dict(temperature=0), 'temperature'),
    (dict(kd_weight=-1), 'kd_weight'),
    (dict(eval_student=2), 'eval_student'),
])
def test_bad_configuration(kwargs, field):
    with pytest.raises(ValueError, match=field):
        build(**kwargs)


def test_students_with_different_class_counts_are_refused():
    other = copy.deepcopy(STUDENT)
    other['head']['num_classes'] = 5
    with pytest.raises(ValueError, match='num_classes'):
        build(students=[STUDENT, other])


def test_view_count_must_match_the_students():
    model = build()
    views, samples = views_and_samples(m=3)
    with pytest.raises(ValueError, match='num_views=2'):
        model.loss(views, samples)
    with pytest.raises(ValueError, match='MultiView'):
        model.loss(views[0], samples)


class WeightsAtStart(Hook):

    def before_train(self, runner):
        self.weights = runner.model.ensemble.weights.detach().clone()


@needs_data
def test_tiny_run_reports_students_and_ensemble_and_resume_restores_linear_weights(tmp_path):
    cfg = shrink(Config.fromfile(KDCL_FMNIST), tmp_path, n_train=64, n_val=64, batch_size=32)
    cfg.model.ensemble = dict(type='Linear')
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert {'accuracy/top1', 'kdcl/student0/top1', 'kdcl/student1/top1',
            'kdcl/ensemble/top1'} <= set(metrics)
    assert metrics['accuracy/top1'] == metrics['kdcl/student0/top1']
    saved = torch.load(tmp_path / 'epoch_1.pth')['state_dict']['ensemble.weights']
    assert not torch.allclose(saved, torch.full((2, ), 0.5))  # learned, and checkpointed

    cfg2 = shrink(Config.fromfile(KDCL_FMNIST), tmp_path, n_train=64, n_val=64, batch_size=32,
                  max_epochs=2)
    cfg2.model.ensemble = dict(type='Linear')
    cfg2.resume, cfg2.load_from = True, str(tmp_path / 'epoch_1.pth')
    resumed = Runner.from_cfg(cfg2)
    probe = WeightsAtStart()
    resumed.register_hook(probe)
    resumed.train()
    assert torch.equal(probe.weights, saved)


def test_general_without_its_held_out_hook_is_refused():
    model = build(ensemble=dict(type='General'))
    views, samples = views_and_samples()
    with pytest.raises(RuntimeError, match='KDCLGeneralHook'):
        model.loss(views, samples)


@needs_data
def test_exported_student_loads_into_a_plain_classifier_with_the_same_predictions(tmp_path):
    import subprocess
    import sys
    from mmpretrain.registry import MODELS as CLS_MODELS
    from conftest import REPO
    cfg = shrink(Config.fromfile(KDCL_FMNIST), tmp_path, n_train=64, n_val=64, batch_size=32)
    runner = Runner.from_cfg(cfg)
    runner.train()
    out = tmp_path / 'student1.pth'
    proc = subprocess.run([sys.executable, 'tools/export_student.py',
                           str(tmp_path / 'epoch_1.pth'), str(out), '--student', '1'],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "students.0" in proc.stdout  # says what it dropped
    plain_cfg = Config.fromfile(config_path('baseline/resnet8_1xb128_fashion-mnist-5k.py'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        plain = CLS_MODELS.build(plain_cfg.model)
    state = torch.load(out)['state_dict']
    result = plain.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    x = torch.randn(4, 1, 28, 28)
    kdcl_student = runner.model.students[1].eval()
    plain.eval()
    with torch.no_grad():
        assert torch.allclose(plain(x, mode='tensor'), kdcl_student(x, mode='tensor'))


def test_export_selection_rules():
    kdcl = {'students.0.backbone.w': 0, 'students.1.backbone.w': 1, 'ensemble.weights': 2}
    kept, dropped = select_network(kdcl, 1)
    assert kept == {'backbone.w': 1} and set(dropped) == {'students.0.backbone.w',
                                                          'ensemble.weights'}
    with pytest.raises(ValueError, match='--student'):
        select_network(kdcl, None)
    with pytest.raises(KeyError, match='students 0..1'):
        select_network(kdcl, 2)
    pskd = {'architecture.backbone.w': 0, 'memory.probs': 1, 'alpha_t': 2}
    assert select_network(pskd)[0] == {'backbone.w': 0}
    with pytest.raises(KeyError, match='no classifier'):
        select_network({'foo.bar': 0})


@needs_data
def test_general_hook_fits_weights_on_the_held_out_split_and_they_resume(tmp_path):
    from mmkd_plugins.engine.hooks import KDCLGeneralHook
    from mmkd_plugins.models.algorithms.kdcl_ensembles import GeneralEnsemble
    general = config_path('kdcl/kdcl-general_2xresnet8_1xb128_fashion-mnist-5k.py')

    def cfg_for(work, epochs):
        cfg = shrink(Config.fromfile(general), work, n_train=64, n_val=32, batch_size=32,
                     max_epochs=epochs)
        hook = cfg.custom_hooks[0]
        hook.heldout_dataloader.dataset.indices = list(range(100, 164))
        hook.heldout_dataloader.num_workers = 0
        hook.heldout_dataloader.batch_size = 32
        return cfg

    runner = Runner.from_cfg(cfg_for(tmp_path, 2))
    runner.train()  # fit at the start of epoch 1
    w = runner.model.ensemble.weights
    assert not torch.allclose(w, torch.full((2, ), 0.5)) and float(w.sum()) == pytest.approx(1)
    assert runner.message_hub.get_scalar('train/kdcl_w0').current() == pytest.approx(float(w[0]))
    # the weights are the closed form of the held-out covariance of the epoch-1 students: refit
    # from the epoch_1 checkpoint's students on the same held-out data gives the same w
    ckpt = torch.load(tmp_path / 'epoch_1.pth')['state_dict']
    model = copy.deepcopy(runner.model)
    model.load_state_dict(ckpt)
    loader = runner.build_dataloader(cfg_for(tmp_path, 2).custom_hooks[0].heldout_dataloader)
    cov = KDCLGeneralHook.heldout_covariance(model, loader)
    assert torch.allclose(GeneralEnsemble.solve(cov, 1e-4), w, atol=1e-5)

    cfg = cfg_for(tmp_path, 3)
    cfg.resume, cfg.load_from = True, str(tmp_path / 'epoch_2.pth')
    resumed = Runner.from_cfg(cfg)
    probe = WeightsAtStart()
    resumed.register_hook(probe)
    resumed.train()
    assert torch.equal(probe.weights, torch.load(tmp_path / 'epoch_2.pth')['state_dict'][
        'ensemble.weights'])


def test_general_hook_needs_a_held_out_split():
    from mmkd_plugins.engine.hooks import KDCLGeneralHook
    with pytest.raises(ValueError, match='heldout_dataloader'):
        KDCLGeneralHook()


@pytest.mark.parametrize('target_views', ['per_student', 'shared'])
def test_the_target_is_built_from_the_chosen_views(target_views):
    torch.manual_seed(0)
    model = build(kd_weight=1.0, target_views=target_views)
    views, samples = views_and_samples()
    y = torch.tensor([0, 2, 1])
    # in training mode a BatchNorm output depends on its batch only: these are the step's logits
    z_own = [s(v, mode='tensor').detach() for s, v in zip(model.students, views)]
    z_v0 = [s(views[0], mode='tensor').detach() for s in model.students]
    members = z_own if target_views == 'per_student' else z_v0
    zt = model.ensemble(members, y)
    pt = F.softmax(zt / 2, 1)
    losses = model.loss(views, samples)
    for i in range(2):  # each student still learns on its own view
        kl = F.kl_div(F.log_softmax(z_own[i] / 2, 1), pt, reduction='batchmean')
        assert losses[f'student{i}.loss_kd'].item() == pytest.approx(4 * kl.item(), rel=1e-4)
    other = z_v0 if target_views == 'per_student' else z_own
    kl_other = F.kl_div(F.log_softmax(z_own[1] / 2, 1), F.softmax(model.ensemble(other, y) / 2, 1),
                        reduction='batchmean')
    assert losses['student1.loss_kd'].item() != pytest.approx(4 * kl_other.item(), rel=1e-3)


def test_bad_target_views_names_the_field():
    with pytest.raises(ValueError, match=r"target_views='view0' must be one of "
                                         r"\('per_student', 'shared'\)"):
        build(target_views='view0')


def test_the_earlier_target_view_spelling_still_builds_and_says_the_new_one():
    with pytest.warns(DeprecationWarning, match="target_views='per_student'"):
        model = build(target_view='own')
    assert model.target_views == 'per_student'
    with pytest.warns(DeprecationWarning, match="target_views='shared'"):
        assert build(target_view='shared').target_views == 'shared'


def test_multi_view_preprocessor_keeps_the_samples_on_the_host_and_the_inputs_as_selfsup(
        monkeypatch):
    """KDCL's data preprocessor gives SelfSupDataPreprocessor's inputs and the same losses, but
    does not move the data samples one by one (on a GPU: one copy and one wait per sample)."""
    from mmpretrain.models.utils import SelfSupDataPreprocessor

    from mmkd_plugins.models.data_preprocessors import MultiViewDataPreprocessor
    g = torch.Generator().manual_seed(0)
    views = [torch.randint(0, 256, (3, 1, 12, 12), generator=g).to(torch.uint8)
             for _ in range(2)]
    samples = [DataSample().set_gt_label(y) for y in (0, 2, 1)]
    moved = []
    to = DataSample.to
    monkeypatch.setattr(DataSample, 'to', lambda self, *a, **k: moved.append(self) or to(
        self, *a, **k))
    kw = dict(mean=[72.94], std=[90.02], to_rgb=False)
    ref = SelfSupDataPreprocessor(**kw)(dict(inputs=views, data_samples=samples), True)
    assert len(moved) == 3  # mmpretrain's: every sample moved
    moved.clear()
    out = MultiViewDataPreprocessor(**kw)(dict(inputs=views, data_samples=samples), True)
    assert moved == [] and out['data_samples'] is samples
    assert len(out['inputs']) == 2
    assert all(torch.equal(a, b) for a, b in zip(out['inputs'], ref['inputs']))
    model = build()
    assert type(model.data_preprocessor) is MultiViewDataPreprocessor
    torch.manual_seed(0)
    got = model.loss(out['inputs'], out['data_samples'])
    want = model.loss(ref['inputs'], ref['data_samples'])
    assert got.keys() == want.keys() and all(torch.equal(got[k], want[k]) for k in got)
