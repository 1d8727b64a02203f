"""PS-KD: loss against a hand reference, the memory, alpha_t, top-k store, snapshot, CutMix,
DDP (2-process gloo), resume, bad input, and an end-to-end run on Fashion-MNIST."""
import copy
import os.path as osp
import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

from conftest import config_path, shrink
from mmkd_plugins.models.algorithms import PredictionMemory
from test_datasets import needs_data

C = 4
ARCH = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet8', in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=C, in_channels=64))


def build(**kwargs):
    cfg = dict(type='mmrazor.PSKD', architecture=copy.deepcopy(ARCH), alpha_T=0.8, source='memory',
               memory=dict(num_samples=10))
    cfg.update(kwargs)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def batch(labels, indices, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(len(labels), 1, 12, 12, generator=g)
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(y)
               for y, i in zip(labels, indices)]
    return inputs, samples


def reference_loss(logits, onehot, prior, alpha):
    """-sum_c target_c * log softmax(z)_c, written out: log softmax = z - log sum exp z."""
    target = (1 - alpha) * onehot + alpha * prior
    log_p = logits - torch.log(torch.exp(logits).sum(1, keepdim=True))
    return -(target * log_p).sum(1).mean()


def test_loss_equals_hand_reference_alpha_zero_and_positive():
    torch.manual_seed(0)
    model = build()
    inputs, samples = batch([0, 3, 1], [2, 5, 7])
    onehot = F.one_hot(torch.tensor([0, 3, 1]), C).float()
    prior = torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]])
    for alpha_T, epoch, T, alpha in ((0.0, 3, 4, 0.0), (0.8, 1, 4, 0.4)):
        model.memory.write(torch.tensor([2, 5, 7]), prior)  # loss() overwrites these rows
        model.alpha_T = alpha_T
        assert model.set_alpha(epoch, T) == pytest.approx(alpha)
        logits = model.architecture(inputs, mode='tensor').detach()
        loss = model.loss(inputs, samples)['loss_pskd']
        assert loss.item() == pytest.approx(
            reference_loss(logits, onehot, prior, alpha).item(), rel=1e-5)
        if alpha == 0:  # alpha = 0 is plain cross-entropy
            assert loss.item() == pytest.approx(F.cross_entropy(logits, onehot.argmax(1)).item(),
                                                rel=1e-5)


def test_memory_holds_the_softmax_written_and_unwritten_rows_read_as_labels():
    model = build()
    model.set_alpha(0, 3)
    inputs, samples = batch([1, 2], [4, 9])
    logits = model.architecture(inputs, mode='tensor').detach()
    model.loss(inputs, samples)
    assert torch.allclose(model.memory.probs[[4, 9]], F.softmax(logits, 1), atol=1e-6)
    assert model.memory.written.tolist() == [i in (4, 9) for i in range(10)]
    onehot = F.one_hot(torch.tensor([3, 3]), C).float()
    read = model.memory.read(torch.tensor([0, 4]), fallback=onehot)
    assert torch.equal(read[0], onehot[0]) and torch.allclose(read[1], F.softmax(logits, 1)[0])


def test_gradient_does_not_flow_into_the_target():
    model = build(source='snapshot', memory=None)
    model.set_alpha(2, 3)
    model.update_snapshot()
    inputs, samples = batch([0, 1], [0, 1])
    model.loss(inputs, samples)['loss_pskd'].backward()
    assert all(p.grad is None for p in model.snapshot.parameters())
    assert model.architecture.head.fc.weight.grad.abs().sum() > 0


def test_alpha_schedule_follows_the_official_code():
    model = build()
    assert [model.set_alpha(e, 4) for e in range(4)] == pytest.approx([0.2, 0.4, 0.6, 0.8])


@pytest.mark.parametrize('topk,residual', [(2, 'uniform'), (2, 'drop'), (3, 'uniform')])
def test_topk_store_round_trip_error_is_bounded(topk, residual):
    torch.manual_seed(0)
    mem = PredictionMemory(50, 10, topk=topk, residual=residual)
    probs = F.softmax(3 * torch.randn(50, 10), 1)
    mem.write(torch.arange(50), probs)
    read = mem.read(torch.arange(50), fallback=torch.zeros(50, 10))
    outside = 1 - probs.topk(topk, 1).values.sum(1)
    err = (read - probs).abs().sum(1)
    # uniform: the top k are kept (fp16), the outside mass is moved within the outside classes:
    # L1 error <= 2 * outside mass. drop: renormalising moves the outside mass onto the top k.
    assert torch.all(err <= 2 * outside + 2e-3)
    assert torch.allclose(read.sum(1), torch.ones(50), atol=2e-3)
    top_read = read.topk(topk, 1).indices.sort(1).values
    assert torch.equal(top_read, probs.topk(topk, 1).indices.sort(1).values)


def test_memory_sizes():
    n, c = 1_281_167, 1000
    assert PredictionMemory(1000, c).nbytes() == 1000 * c * 4 + 1000
    assert PredictionMemory(1000, c, dtype='float16').nbytes() == 1000 * c * 2 + 1000
    per_sample_topk10 = PredictionMemory(1000, c, topk=10).nbytes() / 1000
    assert per_sample_topk10 * n <= 100e6  # ImageNet-1k fits in 100 MB with k = 10
    fp16 = PredictionMemory(20, 5, dtype='float16')
    p = F.softmax(torch.randn(20, 5), 1)
    fp16.write(torch.arange(20), p)
    assert (fp16.read(torch.arange(20), p) - p).abs().max() < 1e-3


def test_snapshot_is_last_epochs_model_and_stays_out_of_state_and_optimizer():
    model = build(source='snapshot', memory=None)
    model.set_alpha(1, 3)
    model.update_snapshot()
    with torch.no_grad():
        model.architecture.head.fc.weight.add_(1.0)  # the model moves on after the snapshot
    inputs, samples = batch([0, 2], [0, 1])
    with torch.no_grad():
        prior = F.softmax(model.snapshot(inputs, mode='tensor'), 1)
    logits = model.architecture(inputs, mode='tensor').detach()
    loss = model.loss(inputs, samples)['loss_pskd']
    onehot = F.one_hot(torch.tensor([0, 2]), C).float()
    assert loss.item() == pytest.approx(reference_loss(logits, onehot, prior, 0.8 * 2 / 3).item(),
                                        rel=1e-5)
    assert not any(k.startswith('snapshot') or k.startswith('_snapshot')
                   for k in model.state_dict())
    assert len(list(model.parameters())) == len(list(model.architecture.parameters()))


def test_cutmix_mixes_labels_and_memory_rows_alike():
    arch = copy.deepcopy(ARCH)
    arch['data_preprocessor'] = dict(
        type='ClsDataPreprocessor', num_classes=C,
        batch_augments=dict(augments=[dict(type='Mixup', alpha=1.0)]))
    model = build(architecture=arch)
    assert model.data_preprocessor.batch_augments is None  # taken over by PSKD
    model.set_alpha(1, 2)
    prior = F.softmax(torch.randn(3, C), 1)
    model.memory.write(torch.tensor([0, 1, 2]), prior)
    inputs, samples = batch([0, 1, 3], [0, 1, 2])
    onehot = F.one_hot(torch.tensor([0, 1, 3]), C).float()
    np.random.seed(1), torch.manual_seed(1)
    mixed, scores = model.batch_augments(inputs.clone(), torch.cat([onehot, prior], 1))
    logits = model.architecture(mixed, mode='tensor').detach()
    expected = reference_loss(logits, scores[:, :C], scores[:, C:], 0.8)
    np.random.seed(1), torch.manual_seed(1)
    loss = model.loss(inputs.clone(), samples)['loss_pskd']
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


@pytest.mark.parametrize('kwargs,error,field', [
    (dict(alpha_T=1.5), ValueError, 'alpha_T'),
    (dict(alpha_T=-0.1), ValueError, 'alpha_T'),
    (dict(source='teacher'), ValueError, 'source'),
    (dict(memory=dict(num_samples=0)), ValueError, 'num_samples'),
    (dict(memory=dict(num_samples=10, num_classes=7)), ValueError, 'num_classes'),
    (dict(memory=dict(num_samples=10, dtype='int8')), ValueError, 'dtype'),
    (dict(memory=dict(num_samples=10, topk=4)), ValueError, 'topk'),
    (dict(source='snapshot', memory=dict(num_samples=3)), ValueError, 'memory'),
])
def test_bad_configuration_names_the_field(kwargs, error, field):
    with pytest.raises(error, match=field):
        build(**kwargs)


def test_bad_data_names_the_problem():
    model = build()
    inputs, samples = batch([0, 1], [0, 1])
    with pytest.raises(RuntimeError, match='PSKDHook'):
        model.loss(inputs, samples)  # alpha_t never set
    model.set_alpha(0, 2)
    with pytest.raises(KeyError, match='sample_idx'):
        model.loss(inputs, [DataSample().set_gt_label(0), DataSample().set_gt_label(1)])
    with pytest.raises(IndexError, match='num_samples=10'):
        model.loss(*batch([0, 1], [3, 10]))
    with pytest.raises(FloatingPointError, match='loss_pskd'):
        model.loss(torch.full_like(inputs, float('nan')), samples)


# -- DDP: 2 gloo processes hold the same memory as 1 process --------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _ddp_worker(rank, world_size, port, out_dir):
    import torch.distributed as tdist
    import mmkd_plugins  # noqa: F401
    tdist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                             world_size=world_size)
    torch.manual_seed(0)  # same weights on every rank, as DDP guarantees
    model = build()
    model.set_alpha(1, 3)
    # rank r sees samples r, r+2, r+4, ... (DistributedSampler's interleave); rank 1 has one
    # sample fewer in its last batch
    for step in range(2):
        idx = [i for i in range(rank, 10, 2)][step * 3:(step + 1) * 3]
        if rank == 1 and step == 1:
            idx = idx[:1]
        model.loss(*batch([i % C for i in idx], idx, seed=100 + min(idx)))
    torch.save(model.memory.state_dict(), osp.join(out_dir, f'rank{rank}.pth'))
    tdist.destroy_process_group()


def test_two_process_gloo_memory_equals_one_process(tmp_path):
    mp.spawn(_ddp_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    torch.manual_seed(0)
    single = build()
    single.set_alpha(1, 3)
    for rank in range(2):
        for step in range(2):
            idx = [i for i in range(rank, 10, 2)][step * 3:(step + 1) * 3]
            if rank == 1 and step == 1:
                idx = idx[:1]
            single.loss(*batch([i % C for i in idx], idx, seed=100 + min(idx)))
    states = [torch.load(tmp_path / f'rank{r}.pth') for r in range(2)]
    for key, value in single.memory.state_dict().items():
        for state in states:
            assert torch.allclose(state[key].float(), value.float(), atol=1e-6), key
    # rank 0 wrote 0,2,4 then 6,8; rank 1 wrote 1,3,5 then 7: both ranks hold all nine
    assert states[0]['written'].tolist() == [True] * 9 + [False]


# -- through the Runner ------------------------------------------------------------------------

PSKD_FMNIST = config_path('pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py')


class LossRecorder(Hook):

    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(float(outputs['loss'].detach()))


def _pskd_cfg(work_dir, max_epochs):
    cfg = shrink(Config.fromfile(PSKD_FMNIST), work_dir, n_train=64, n_val=64, batch_size=32,
                 max_epochs=max_epochs)
    cfg.model.memory.num_samples = 64
    cfg.randomness = dict(seed=0, deterministic=True)
    # No random augmentation: mmengine checkpoints do not carry the numpy/python RNG state, so a
    # resumed run draws other crops than a straight one; the sampler order is (seed, epoch)-keyed.
    cfg.train_dataloader.dataset.pipeline = [dict(type='PackInputs')]
    return cfg


class Interrupted(Exception):
    pass


class Interrupt(Hook):
    """Kills the run at the end of the first epoch, as a crash would."""

    def after_train_epoch(self, runner):
        raise Interrupted


@needs_data
def test_resume_continues_exactly(tmp_path):
    straight = Runner.from_cfg(_pskd_cfg(tmp_path / 'a', 2))
    rec_a = LossRecorder()
    straight.register_hook(rec_a)
    straight.train()

    first = Runner.from_cfg(_pskd_cfg(tmp_path / 'b', 2))
    rec_b = LossRecorder()
    first.register_hook(rec_b)
    first.register_hook(Interrupt(), priority='LOWEST')  # after the epoch's checkpoint
    with pytest.raises(Interrupted):
        first.train()
    cfg = _pskd_cfg(tmp_path / 'b', 2)
    cfg.resume, cfg.load_from = True, str(tmp_path / 'b' / 'epoch_1.pth')
    resumed = Runner.from_cfg(cfg)
    resumed.register_hook(rec_b)
    resumed.train()

    assert len(rec_a.losses) == len(rec_b.losses) == 4
    assert rec_a.losses == pytest.approx(rec_b.losses, rel=1e-5, abs=1e-6)
    mem_a, mem_b = straight.model.memory, resumed.model.memory
    assert bool(mem_a.written.all())
    assert torch.allclose(mem_a.probs, mem_b.probs, atol=1e-5)
    assert float(resumed.model.alpha_t) == pytest.approx(0.8)
    ckpt = torch.load(tmp_path / 'b' / 'epoch_1.pth')
    assert float(ckpt['state_dict']['alpha_t']) == pytest.approx(0.4)
    assert ckpt['state_dict']['memory.written'].all()


@needs_data
def test_resume_from_a_checkpoint_without_pskd_state_is_refused(tmp_path):
    plain = shrink(Config.fromfile(config_path('baseline/resnet20_1xb128_fashion-mnist-5k.py')),
                   tmp_path / 'plain')
    Runner.from_cfg(plain).train()
    cfg = _pskd_cfg(tmp_path / 'p', 2)
    cfg.resume, cfg.load_from = True, str(tmp_path / 'plain' / 'epoch_1.pth')
    with pytest.raises(KeyError, match='PS-KD state'):
        Runner.from_cfg(cfg).train()


@needs_data
def test_memory_sized_for_another_dataset_is_refused(tmp_path):
    cfg = _pskd_cfg(tmp_path, 1)
    cfg.model.memory.num_samples = 60000
    with pytest.raises(ValueError, match='num_samples=60000'):
        Runner.from_cfg(cfg).train()


@needs_data
def test_memory_sizes_itself_from_the_training_set_and_resumes(tmp_path):
    """No memory.num_samples: the hook builds a 48-row memory for a 48-image subset before the
    run, so a subset of any size needs no hand edit; resume loads into it."""
    cfg = _pskd_cfg(tmp_path / 'a', 1)
    del cfg.model.memory['num_samples']
    cfg.train_dataloader.dataset.indices = 48
    runner = Runner.from_cfg(cfg)
    assert runner.model.memory is None  # built by PSKDHook.before_run
    runner.train()
    assert runner.model.memory.num_samples == 48 and bool(runner.model.memory.written.all())
    cfg = _pskd_cfg(tmp_path / 'a', 2)
    del cfg.model.memory['num_samples']
    cfg.train_dataloader.dataset.indices = 48
    cfg.resume, cfg.load_from = True, str(tmp_path / 'a' / 'epoch_1.pth')
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.model.memory.num_samples == 48
    # the protocol config itself leaves num_samples out
    assert 'num_samples' not in Config.fromfile(PSKD_FMNIST).model.memory


@needs_data
def test_end_to_end_reports_calibration_metrics(tmp_path):
    cfg = _pskd_cfg(tmp_path, 2)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert {'accuracy/top1', 'ECE', 'AURC', 'E-AURC', 'NLL'} <= set(metrics)
    assert 0 <= metrics['ECE'] <= 100 and metrics['NLL'] > 0
    assert runner.message_hub.get_scalar('train/alpha_t').current() == pytest.approx(0.8)


def test_snapshot_mode_refuses_to_resume_inside_an_epoch():
    from types import SimpleNamespace
    from mmkd_plugins.engine.hooks import PSKDHook
    model = build(source='snapshot', memory=None)
    runner = SimpleNamespace(model=model, train_dataloader=[0] * 10)
    ckpt = dict(state_dict=model.state_dict(), meta=dict(iter=20))
    PSKDHook().after_load_checkpoint(runner, ckpt)  # end of epoch 2: fine
    ckpt['meta']['iter'] = 25
    with pytest.raises(ValueError, match='inside an epoch'):
        PSKDHook().after_load_checkpoint(runner, ckpt)
