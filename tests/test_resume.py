"""Exact resume for every algorithm family, with the random augmentation on: a run stopped after
j iterations -- inside an epoch, or at an epoch end -- and resumed with --resume gives the losses
of the uninterrupted run step by step and its final state (RNGStateHook: RNG states in the
checkpoint, the partial epoch's trained batches skipped)."""
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from conftest import config_path, families, shrink, standin_checkpoints
from test_datasets import needs_data

FAMILIES = families('plain', 'pskd-memory', 'kdcl-linear', 'kdcl-general', 'dml-alternate',
                    'iedml', 'kd', 'fitnets', 'at', 'iekd-stage1', 'iekd-stage2')
ITERS_PER_EPOCH, EPOCHS = 3, 2


class LossRecorder(Hook):

    def __init__(self):
        self.losses = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses[runner.iter + 1] = float(outputs['loss'].detach())


class Stop(Exception):
    pass


class StopAfter(Hook):
    priority = 'LOWEST'  # after CheckpointHook saved this iteration

    def __init__(self, it):
        self.it = it

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter + 1 == self.it:
            raise Stop


def make_cfg(rel, work_dir, ckpt_dir):
    cfg = shrink(Config.fromfile(config_path(rel)), work_dir, n_train=16 * ITERS_PER_EPOCH,
                 n_val=16, batch_size=16, max_epochs=EPOCHS)
    torch.manual_seed(1)
    standin_checkpoints(cfg, ckpt_dir)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, by_epoch=False,
                                        max_keep_ckpts=-1, save_last=False)
    cfg.train_cfg.val_interval = 100  # no validation: only training is compared
    assert cfg.default_hooks.rng_state.type == 'RNGStateHook'
    # random augmentation on: in the pipeline, or on the batch (BatchCropFlipDataPreprocessor)
    pre = cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor') or {}
    assert 'RandomFlip' in str(cfg.train_dataloader.dataset.pipeline) + \
        str(pre.get('batch_transforms')), cfg.train_dataloader.dataset.pipeline
    if 'kdcl' in rel and 'general' in rel:
        hook = cfg.custom_hooks[0]
        hook.heldout_dataloader.dataset.indices = list(range(100, 132))
        hook.heldout_dataloader.batch_size = 16
    return cfg


def train(cfg, resume_from=None, stop_at=None):
    if resume_from is not None:
        cfg.resume, cfg.load_from = True, resume_from
    runner = Runner.from_cfg(cfg)
    rec = LossRecorder()
    runner.register_hook(rec)
    if stop_at is not None:
        runner.register_hook(StopAfter(stop_at))
        with pytest.raises(Stop):
            runner.train()
    else:
        runner.train()
    return runner, rec.losses


@needs_data
@pytest.mark.parametrize('family', list(FAMILIES))
def test_resume_inside_an_epoch_and_at_its_end_is_exact(family, tmp_path):
    rel = FAMILIES[family]
    ckpts = tmp_path / 'ckpts'
    straight, losses = train(make_cfg(rel, tmp_path / 'straight', ckpts))
    total = ITERS_PER_EPOCH * EPOCHS
    assert sorted(losses) == list(range(1, total + 1))
    final = straight.model.state_dict()
    # stopped after iteration 2 (inside epoch 1), and resumed
    _, first = train(make_cfg(rel, tmp_path / 'b', ckpts), stop_at=2)
    resumed, rest = train(make_cfg(rel, tmp_path / 'b', ckpts),
                          resume_from=str(tmp_path / 'b' / 'iter_2.pth'))
    # resumed from the straight run's epoch-end checkpoint (iteration 3)
    resumed_end, rest_end = train(make_cfg(rel, tmp_path / 'c', ckpts),
                                  resume_from=str(tmp_path / 'straight' / 'iter_3.pth'))
    assert sorted(rest) == list(range(3, total + 1))
    assert sorted(rest_end) == list(range(4, total + 1))
    for it in range(1, total + 1):
        got = {**first, **rest}[it]
        assert got == pytest.approx(losses[it], rel=1e-5, abs=1e-6), (family, it)
        if it >= 4:
            assert rest_end[it] == pytest.approx(losses[it], rel=1e-5, abs=1e-6), (family, it)
    for run in (resumed, resumed_end):
        state = run.model.state_dict()
        for k, v in final.items():
            assert torch.allclose(state[k].float(), v.float(), atol=1e-5), (family, k)


@needs_data
def test_without_the_rng_state_a_resumed_run_draws_other_augmentations(tmp_path):
    """The hook is what makes it exact: the same resume without it drifts."""
    rel = FAMILIES['plain']
    ckpts = tmp_path / 'ckpts'
    _, losses = train(make_cfg(rel, tmp_path / 'straight', ckpts))
    cfg = make_cfg(rel, tmp_path / 'c', ckpts)
    cfg.default_hooks.pop('rng_state')
    _, rest = train(cfg, resume_from=str(tmp_path / 'straight' / 'iter_3.pth'))
    assert any(abs(rest[it] - losses[it]) > 1e-4 for it in rest)


@needs_data
def test_tiny_detector_resume_inside_an_epoch_is_exact(tmp_path):
    from mmkd_plugins.datasets import make_shapes_coco
    root = str(tmp_path / 'shapes')
    make_shapes_coco(root, n_train=8, n_val=4, size=128, seed=0)

    def cfg_for(work):
        cfg = Config.fromfile(config_path('detection/retinanet_r18_fpn_shapes-tiny.py'))
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            cfg[loader].dataset.data_root = root + '/'
        cfg.val_evaluator.ann_file = cfg.test_evaluator.ann_file = root + '/annotations/val.json'
        cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval = 2, 100
        cfg.model.backbone.init_cfg = None
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, by_epoch=False,
                                            max_keep_ckpts=-1, save_last=False)
        cfg.work_dir, cfg.log_level = str(work), 'WARNING'
        cfg.randomness = dict(seed=0)
        assert cfg.default_hooks.rng_state.type == 'RNGStateHook'
        return cfg

    _, losses = train(cfg_for(tmp_path / 'a'))
    _, first = train(cfg_for(tmp_path / 'b'), stop_at=3)  # inside epoch 1 (4 iterations)
    _, rest = train(cfg_for(tmp_path / 'b'), resume_from=str(tmp_path / 'b' / 'iter_3.pth'))
    assert sorted({**first, **rest}) == sorted(losses) == list(range(1, 9))
    for it, v in {**first, **rest}.items():
        assert v == pytest.approx(losses[it], rel=1e-4, abs=1e-5), it
