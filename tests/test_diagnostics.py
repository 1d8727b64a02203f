"""DistillDiagnosticsHook on every family (tiny runs: the scalars are there and finite, in
scalars.json too), its numbers against hand computations (a fixed teacher's target top-1 is its
accuracy on the same images; the gradient ratio of two hand-weighted terms), and the control
run (--distill-off): a teacher-student config's losses equal the plain classifier's step by step
on the same seed."""
import json
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmrazor.registry import MODELS

from conftest import FAMILY_CONFIGS, StepOutputs, config_path, shrink, standin_checkpoints
from mmkd_plugins.distill_off import distill_off
from mmkd_plugins.engine.hooks import DistillDiagnosticsHook
from mmkd_plugins.evaluation.distill_diagnostics import diagnose
from test_datasets import needs_data

FAMILIES = {  # family: (config, diagnostics every run of it must log)
    'plain': ('student/fit_top1', 'student/ece', 'heldout/student/fit_top1'),
    'pskd-memory': ('student/fit_top1', 'student/target_top1', 'alpha_t'),
    'kdcl-minlogit': ('student0/target_entropy', 'student1/agreement'),
    'kdcl-linear': ('student1/kl', 'ensemble_weight0', 'ensemble_weight1'),
    'dml-alternate': ('student0/target_top1', 'student1/kl'),
    'iedml': ('student1/agreement', ),
    'kd': ('student/target_top1', 'student/kl', 'student/kl_T', 'distill.kl', 'temperature',
           'heldout/student/target_top1', 'heldout/student/target_ece_T'),
    'fitnets': ('student/fit_nll', 'distill.hint', 'heldout/student/agreement'),
    'at': ('student/confidence', ),
    'iekd-stage1': (),
    'iekd-stage2': ('student/target_top1', 'distill.inheritance', 'distill.exploration'),
}
GRAD_RATIO = {'kd': ['student'], 'kdcl-minlogit': ['student0', 'student1'],
              'dml-alternate': ['student0', 'student1']}


def tiny(rel, tmp_path, n_train=32, **hook):
    cfg = standin_checkpoints(Config.fromfile(config_path(rel)), tmp_path / 'ckpts')
    cfg = shrink(cfg, tmp_path / 'run', n_train=n_train, n_val=16, batch_size=16)
    cfg.default_hooks.diagnostics = dict(
        dict(type='DistillDiagnosticsHook', num_images=24, grad_interval=1), **hook)
    return cfg


class Seen(Hook):
    """The message hub's scalars after each iteration (the hook's train scalars)."""
    priority = 'LOWEST'

    def __init__(self):
        self.train = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        for k, v in runner.message_hub.log_scalars.items():
            if k.startswith('train/diag/'):
                self.train[k] = v.current()


@needs_data
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_every_family_logs_finite_diagnostics(family, tmp_path):
    cfg = tiny(FAMILY_CONFIGS[family], tmp_path)
    runner = Runner.from_cfg(cfg)
    seen = Seen()
    runner.register_hook(seen)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, DistillDiagnosticsHook))
    assert len(hook.history) == 1  # one validation
    diag = hook.history[0]
    for key in FAMILIES[family]:
        assert key in diag, (key, sorted(diag))
    for key, value in diag.items():
        assert math.isfinite(value), (key, value)
    # no name mmengine's logger would average over 10 entries (it does so for 'loss')
    assert not [k for k in list(diag) + list(seen.train) if 'loss' in k]
    if family == 'iekd-stage1':
        assert [k for k in diag if '/' not in k]  # its reconstruction term
    if family == 'pskd-memory':  # a held-out image has no memory row: no target is read
        assert 'heldout/student/fit_top1' in diag
        assert not [k for k in diag if k.startswith('heldout/student/target')]
    lines = [json.loads(x) for x in open(next((tmp_path / 'run').glob('*/vis_data/scalars.json')))]
    for name in GRAD_RATIO.get(family, []):
        # one line per sample (grad_interval=1: every step), at its own step
        ratios = [x for x in lines if f'diag/grad_ratio/{name}' in x]
        assert [x['step'] for x in ratios] == list(range(1, len(ratios) + 1)) and ratios
        assert all(math.isfinite(x[f'diag/grad_ratio/{name}']) for x in ratios)
        assert all(x[f'diag/grad_ratio/{name}'] > 0 for x in ratios)
    shares = {k: v for k, v in seen.train.items() if '/share/' in k}
    assert all(math.isfinite(v) for v in shares.values())
    assert bool(shares) == (family != 'plain')  # a plain classifier has one term: no shares
    # what LoggerHook wrote: the validation line of scalars.json holds them
    val = [x for x in lines if any(k.startswith('diag/') and 'share' not in k for k in x)]
    assert val and set(f'diag/{k}' for k in FAMILIES[family]) <= set(val[-1])
    assert {'ECE', 'NLL'} <= set(val[-1])  # every method config validates its calibration


@needs_data
def test_a_fixed_teachers_target_top1_is_its_accuracy_by_hand(tmp_path):
    cfg = tiny(FAMILY_CONFIGS['kd'], tmp_path)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    hook = DistillDiagnosticsHook(num_images=24, batch_size=10)
    runner = Runner.from_cfg(cfg)
    hook.before_train(runner)
    model.train()
    diag = diagnose(model, hook.loader)
    assert model.training  # diagnose scores in eval mode and gives back the mode it found
    model.eval()
    assert diagnose(model, hook.loader) == diag and not model.training
    # by hand, batch by batch through the same preprocessing
    model.eval()
    correct = fit = agree = n = 0
    kl = kl_t = ent_t = kd_sum = 0.0
    tau = model.distiller.distill_losses['loss_kl'].tau
    assert tau == 4 and diag['temperature'] == 4  # Hinton KD's T, from the loss itself
    confidences, rights = [], []
    with torch.no_grad():
        for batch in hook.loader:
            data = model.data_preprocessor(batch, False)
            y = torch.cat([s.gt_label for s in data['data_samples']])
            zt = model.teacher(data['inputs'], mode='tensor')
            zs = model.architecture(data['inputs'], mode='tensor')
            correct += int((zt.argmax(1) == y).sum())
            fit += int((zs.argmax(1) == y).sum())
            agree += int((zt.argmax(1) == zs.argmax(1)).sum())
            pt = F.softmax(zt, 1)
            kl += float((pt * (pt.log() - F.log_softmax(zs, 1))).sum())
            pt4 = F.softmax(zt / tau, 1)
            kl_t += float((pt4 * (pt4.log() - F.log_softmax(zs / tau, 1))).sum())
            ent_t += float(-(pt4 * pt4.log()).sum())
            confidences += F.softmax(zs, 1).max(1).values.tolist()
            rights += (zs.argmax(1) == y).tolist()
            n += len(y)
            # the KD term of the batch (its mean over the batch), weighed by its images
            kd_sum += float(model.loss(data['inputs'], data['data_samples'])[
                'distill.loss_kl']) * len(y)
    assert n == 24
    assert diag['student/target_top1'] == pytest.approx(100.0 * correct / n, abs=1e-9)
    assert diag['student/fit_top1'] == pytest.approx(100.0 * fit / n, abs=1e-9)
    assert diag['student/agreement'] == pytest.approx(100.0 * agree / n, abs=1e-9)
    assert diag['student/kl'] == pytest.approx(kl / n, rel=1e-4)
    assert diag['student/kl_T'] == pytest.approx(kl_t / n, rel=1e-4)
    assert diag['student/target_entropy_T'] == pytest.approx(ent_t / n, rel=1e-4)
    # ECE (%) over 10 equal-width confidence bins (lo, hi], the ECE evaluator's, by hand
    ece = 0.0
    for b in range(10):
        inside = [(c, r) for c, r in zip(confidences, rights) if b / 10 < c <= (b + 1) / 10]
        if inside:
            ece += abs(sum(r for _, r in inside) - sum(c for c, _ in inside)) / n
    assert diag['student/ece'] == pytest.approx(100 * ece, rel=1e-4, abs=1e-6)
    # batches of 10, 10 and 4 images: a per-image mean, not the mean of the three batches
    assert diag['distill.kl'] == pytest.approx(kd_sum / n, rel=1e-5)


def test_gradient_ratio_of_hand_weighted_terms():
    torch.manual_seed(0)
    z = torch.randn(5, 4, requires_grad=True)
    y = torch.tensor([0, 1, 2, 3, 0])
    target = F.softmax(torch.randn(5, 4), 1)
    ce = F.cross_entropy(z, y)
    kd = 3.0 * F.kl_div(F.log_softmax(z, 1), target, reduction='batchmean')
    losses = {'student.loss': ce, 'distill.loss_kl': kd, 'ensemble.loss_ce': 100 * ce}
    roles = {'student.loss': 'supervision', 'distill.loss_kl': 'distillation',
             'ensemble.loss_ce': 'auxiliary'}
    # by hand: d CE / dz = (p - onehot) / B, d (w KL(t || p)) / dz = w (p - t) / B
    p = F.softmax(z.detach(), 1)
    by_hand = float((3.0 * (p - target)).norm() / (p - F.one_hot(y, 4)).norm())
    assert DistillDiagnosticsHook._grad_ratio(losses, z, roles) == pytest.approx(by_hand, rel=1e-5)
    assert by_hand not in (pytest.approx(1.0), pytest.approx(3.0))  # not a constant in disguise
    # a term that sends no gradient to the logits gives no ratio, even one declared a
    # distillation term
    feat = torch.randn(3, requires_grad=True)
    assert DistillDiagnosticsHook._grad_ratio(
        {'student.loss': ce, 'distill.loss_hint': feat.pow(2).sum()}, z,
        {'student.loss': 'supervision', 'distill.loss_hint': 'distillation'}) is None


def test_bad_hook_arguments_name_the_field():
    for kw, field in ((dict(num_images=0), 'num_images'), (dict(grad_interval=-1),
                                                            'grad_interval'),
                      (dict(heldout_images=-1), 'heldout_images'), (dict(seed=1.5), 'seed'),
                      (dict(num_images=True), 'num_images'), (dict(batch_size=0), 'batch_size')):
        with pytest.raises(ValueError, match=field):
            DistillDiagnosticsHook(**kw)


# -- the control run -------------------------------------------------------------------------
def _losses(cfg):
    runner = Runner.from_cfg(cfg)
    hook = StepOutputs()
    runner.register_hook(hook)
    runner.train()
    return hook.seen


@needs_data
def test_distill_off_kd_equals_the_plain_student_step_by_step(tmp_path):
    kd = standin_checkpoints(Config.fromfile(config_path(FAMILY_CONFIGS['kd'])), tmp_path / 'c')
    changes = distill_off(kd)
    assert 'model.distiller.distill_losses.loss_kl.loss_weight: 0.9 -> 0.0' in changes
    assert 'model.architecture.head.loss.loss_weight: 0.1 -> 1.0' in changes
    plain = Config.fromfile(config_path('baseline/resnet8x0.5_1xb128_fashion-mnist-5k.py'))
    kw = dict(n_train=64, n_val=16, batch_size=16, max_epochs=2)
    control = _losses(shrink(kd, tmp_path / 'control', **kw))
    alone = _losses(shrink(plain, tmp_path / 'alone', **kw))
    assert len(control) == len(alone) == 8
    for step, (c, a) in enumerate(zip(control, alone)):
        assert c['distill.loss_kl'] == 0.0
        assert c['loss'] == pytest.approx(a['loss'], rel=1e-5), step


@pytest.mark.parametrize('rel,expected', [
    (FAMILY_CONFIGS['pskd-memory'], ['model.alpha_T: 0.8 -> 0.0']),
    (FAMILY_CONFIGS['kdcl-minlogit'], ['model.kd_weight: 1.0 -> 0.0']),
    (FAMILY_CONFIGS['iedml'], ['model.lambda_inh: 1.0 -> 0.0', 'model.rec_weight: 1.0 -> 0.0']),
    (FAMILY_CONFIGS['fitnets'], ['model.distiller.distill_losses.loss_hint.loss_weight']),
])
def test_distill_off_of_each_family(rel, expected):
    changes = distill_off(Config.fromfile(config_path(rel)))
    for e in expected:
        assert any(c.startswith(e) for c in changes), (e, changes)


@pytest.mark.parametrize('rel', [FAMILY_CONFIGS['plain'], FAMILY_CONFIGS['iekd-stage1']])
def test_distill_off_refuses_a_config_without_distillation(rel):
    with pytest.raises(ValueError, match='no distillation to switch off'):
        distill_off(Config.fromfile(config_path(rel)))


def test_every_protocol_config_logs_the_diagnostics():
    import glob
    import os.path as osp
    from conftest import CONFIGS
    paths = sorted(glob.glob(osp.join(CONFIGS, '*', '*fashion-mnist-[15]k.py')))
    assert len(paths) > 40  # both protocols
    for path in paths:
        hooks = Config.fromfile(path).default_hooks
        assert hooks.get('diagnostics', {}).get('type') == 'DistillDiagnosticsHook', path


@needs_data
@pytest.mark.parametrize('family', ['kd', 'fitnets', 'iekd-stage2'])
def test_the_cached_frozen_teacher_gives_what_mmrazors_loss_gives(family, tmp_path):
    """The second validation replays the frozen teacher's outputs on the fixed images instead of
    running it: the same diagnostics, feature losses included, as mmrazor's own loss."""
    cfg = tiny(FAMILY_CONFIGS[family], tmp_path)
    runner = Runner.from_cfg(cfg)
    hook = next(h for h in runner.hooks if isinstance(h, DistillDiagnosticsHook))
    hook.before_train(runner)
    model = runner.model
    reference = diagnose(model, hook.loader)  # model.loss on every call
    cache = {}
    first = diagnose(model, hook.loader, cache)  # fills the cache
    assert {k for k in cache if k != 'bytes'} == set(range(len(hook.loader)))
    replayed = diagnose(model, hook.loader, cache)
    assert reference.keys() == first.keys() == replayed.keys()
    assert any(k.startswith('distill.') for k in reference)
    for k, v in reference.items():
        assert first[k] == pytest.approx(v, rel=1e-5, abs=1e-7), k
        assert replayed[k] == pytest.approx(v, rel=1e-5, abs=1e-7), k


def test_overhead_benchmark_arithmetic_by_hand():
    """benchmarks.speed.bench_diagnostics: the first validation's excess is one-off, the last
    is the steady state, spread over its validation interval."""
    from benchmarks.speed.bench_diagnostics import overhead
    spent = dict(before_train=2.0, after_val_epoch=5.0, before_train_iter=1.0,
                 after_train_iter=1.0, _grad_ratio=2.0)
    epoch, per_epoch, one_off, run = overhead(100.0, spent, [3.0, 2.0], epochs=30, interval=15,
                                              full=300)
    assert epoch == pytest.approx(89 / 30)               # (100 - 11 s in the hook) / 30
    assert per_epoch == pytest.approx(4 / 30 + 2 / 15)   # per-iteration parts + 2 s / 15
    assert one_off == pytest.approx(2.0 + 3.0 - 2.0)     # set-up + the first one's excess
    assert run == pytest.approx((300 * (89 / 30 + 0.26666667) + 3) / (300 * 89 / 30))


# -- the hook's promise: a run with it trains as one without it -----------------------------------
def _two_epochs(rel, work, diagnostics):
    torch.manual_seed(0)  # the same stand-in teacher for both runs
    cfg = tiny(rel, work, n_train=64)
    cfg.train_cfg.max_epochs = 2  # a validation (and its scoring) between the two epochs
    cfg.randomness = dict(seed=0)
    if diagnostics:
        cfg.default_hooks.diagnostics.grad_interval = 1  # a gradient ratio at every step
    else:
        cfg.default_hooks.pop('diagnostics')
    return _losses(cfg)


@needs_data
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_training_with_the_hook_equals_training_without_it(family, tmp_path):
    """Every loss term of every step, the second epoch after a scoring pass (training and
    held-out images) included, for every family."""
    rel = FAMILY_CONFIGS[family]
    with_hook = _two_epochs(rel, tmp_path / 'with', True)
    without = _two_epochs(rel, tmp_path / 'without', False)
    assert len(with_hook) == len(without) == 8
    assert with_hook == without


# -- the scored sets: class-stratified, seeded ------------------------------------------------
def test_stratified_sample_keeps_each_class_in_proportion():
    from mmkd_plugins.engine.hooks.distill_diagnostics_hook import stratified
    labels = [0] * 50 + [1] * 30 + [2] * 20  # sorted by class, as ImageNet's train.txt
    pick = stratified(labels, 10, seed=0)
    assert pick == sorted(pick) and len(set(pick)) == 10
    assert [sum(labels[i] == c for i in pick) for c in range(3)] == [5, 3, 2]
    assert stratified(labels, 10, seed=0) == pick != stratified(labels, 10, seed=1)
    # largest remainders: 7 of (50, 30, 20) -> quotas 3.5, 2.1, 1.4 -> 4, 2, 1
    assert [sum(labels[i] == c for i in stratified(labels, 7, 0)) for c in range(3)] == [4, 2, 1]
    assert stratified(labels, 100, 0) == stratified(labels, 500, 0) == list(range(100))


@needs_data
def test_the_hook_scores_a_stratified_sample_of_a_class_sorted_list(tmp_path):
    """A training list sorted by class: the first 20 images would be one class; the hook's 20
    cover the classes in proportion, from the run's own subset, the same for any run seed."""
    from mmkd_plugins.datasets.fashion_mnist import LocalFashionMNIST
    labels = LocalFashionMNIST(pipeline=[], indices=200).get_gt_labels()
    by_class = sorted(range(200), key=lambda i: (labels[i], i))
    picked = []
    for seed in (0, 1):
        cfg = tiny(FAMILY_CONFIGS['plain'], tmp_path / str(seed), num_images=20,
                   heldout_images=10)
        cfg.train_dataloader.dataset.indices = by_class
        cfg.randomness = dict(seed=seed)
        runner = Runner.from_cfg(cfg)
        hook = next(h for h in runner.hooks if isinstance(h, DistillDiagnosticsHook))
        hook.before_train(runner)
        pos = [int(s.metainfo['sample_idx']) for b in hook.loader for s in b['data_samples']]
        assert pos == hook.positions and len(pos) == 20  # positions in the run's training set
        idx = [by_class[p] for p in pos]
        # every class within one image of its share (the first 20 would be one class)
        for c in range(10):
            share = 20 * sum(labels[i] == c for i in by_class) / 200
            assert abs(sum(labels[i] == c for i in idx) - share) < 1, c
        held = [int(s.metainfo['sample_idx']) for b in hook.heldout_loader
                for s in b['data_samples']]
        assert len(held) == 10
        picked.append(idx)
    assert picked[0] == picked[1]  # the hook's own seed, not the run's


def test_the_scored_batches_are_read_once_and_replayed():
    from mmkd_plugins.engine.hooks.distill_diagnostics_hook import Replay

    class Counting(list):
        reads = 0

        def __iter__(self):
            Counting.reads += 1
            return super().__iter__()

    batches = Counting([dict(inputs=[torch.zeros(3, 4, 4)], data_samples=[i]) for i in range(3)])
    kept = Replay(batches, max_mib=1)
    assert list(kept) == list(kept) == list(batches) and Counting.reads == 2  # 1 + the check
    assert len(kept) == 3
    # past the budget the batches are read again at every pass
    Counting.reads = 0
    streamed = Replay(batches, max_mib=1e-6)
    assert list(streamed) == list(streamed) and Counting.reads == 2
    # a pass stopped half-way keeps nothing
    partial = Replay(batches, max_mib=1)
    next(iter(partial))
    assert partial.batches is None and list(partial) == list(batches)
