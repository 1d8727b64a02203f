"""The classic methods: every config trains two iterations with its loss keys finite; ESKD (a)
drops the KD term from its stop epoch and refuses a stop epoch it would never reach; the TAKD
chain hands each stage's student to the next and refuses mismatched stages; missing teachers say
how to train them."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmrazor.registry import MODELS

from conftest import config_path, shrink, standin_checkpoints
from mmkd_plugins.takd_chain import last_checkpoint, run_chain
from test_datasets import needs_data

METHODS = {
    'kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py': {'loss_kl'},
    'fitnets/fitnets_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py': {'loss_hint'},
    'at/at_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py': {'loss_at0', 'loss_at1', 'loss_at2'},
    'eskd/eskd-a_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py': {'loss_kl'},
    'eskd/eskd-b_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py': {'loss_kl'},
    'takd/takd-stage1_resnet20_resnet14_1xb128_fashion-mnist-5k.py': {'loss_kl'},
    'takd/takd-stage2_resnet14_resnet8x0.5_1xb128_fashion-mnist-5k.py': {'loss_kl'},
}


class LossKeys(Hook):
    """Collects the loss keys logged at every iteration, with the epoch."""

    def __init__(self):
        self.seen = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.seen.append((runner.epoch, set(outputs)))


def tiny(rel, tmp_path, **kw):
    cfg = standin_checkpoints(Config.fromfile(config_path(rel)), tmp_path / 'ckpts')
    return shrink(cfg, tmp_path / 'run', **dict(dict(n_train=32, n_val=16, batch_size=16), **kw))


@needs_data
@pytest.mark.parametrize('rel', sorted(METHODS))
def test_method_trains_two_iterations(rel, tmp_path):
    cfg = tiny(rel, tmp_path)
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                        if 'EarlyStopKDHook' not in h['type']]  # 1 epoch here
    runner = Runner.from_cfg(cfg)
    keys = LossKeys()
    runner.register_hook(keys)
    before = copy.deepcopy(runner.model.architecture.state_dict())
    teacher = copy.deepcopy(runner.model.teacher.state_dict())
    runner.train()
    assert len(keys.seen) == 2
    distill = {k.split('.', 1)[1] for k in keys.seen[-1][1] if k.startswith('distill.')}
    assert distill == METHODS[rel]
    for k, v in runner.message_hub.log_scalars.items():
        if k.startswith('train/') and 'loss' in k:
            assert torch.isfinite(torch.tensor(v.current())), k
    after = runner.model.architecture.state_dict()
    assert not torch.equal(before['backbone.conv1.weight'], after['backbone.conv1.weight'])
    for k, v in runner.model.teacher.state_dict().items():
        assert torch.equal(v, teacher[k]), f'the frozen teacher changed: {k}'


@needs_data
def test_eskd_a_drops_kd_from_the_stop_epoch(tmp_path):
    cfg = tiny('eskd/eskd-a_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', tmp_path, max_epochs=2)
    cfg.custom_hooks = [dict(type='EarlyStopKDHook', stop_epoch=1)]
    runner = Runner.from_cfg(cfg)
    keys = LossKeys()
    runner.register_hook(keys)
    runner.train()
    assert [e for e, _ in keys.seen] == [0, 0, 1, 1]
    for epoch, seen in keys.seen:
        assert ('distill.loss_kl' in seen) == (epoch < 1), (epoch, seen)
        assert 'student.loss' in seen


@needs_data
def test_eskd_a_refuses_a_stop_epoch_beyond_max_epochs(tmp_path):
    cfg = tiny('eskd/eskd-a_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', tmp_path, max_epochs=2)
    cfg.custom_hooks = [dict(type='EarlyStopKDHook', stop_epoch=2)]
    with pytest.raises(ValueError, match='stop_epoch=2 is not before max_epochs=2'):
        Runner.from_cfg(cfg).train()
    from mmkd_plugins.engine.hooks import EarlyStopKDHook
    with pytest.raises(ValueError, match='stop_epoch=0'):
        EarlyStopKDHook(0)


def test_missing_teacher_says_how_to_train_it(tmp_path):
    cfg = Config.fromfile(config_path('kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py'))
    cfg.model.teacher_ckpt = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError,
                       match='tools/train.py configs/teachers/resnet20_1xb128_fashion-mnist-5k.py'):
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            MODELS.build(cfg.model)


def test_a_recorder_naming_no_module_is_a_clear_error(tmp_path):
    cfg = standin_checkpoints(
        Config.fromfile(config_path('kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py')), tmp_path)
    cfg.model.distiller.student_recorders.logits.source = 'head.fcx'
    with pytest.raises(ValueError, match="student_recorders.logits: source='head.fcx' is not a "
                                         'module of the student'):
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            MODELS.build(cfg.model)


def test_teacher_checkpoint_must_match_the_teacher(tmp_path):
    cfg = Config.fromfile(config_path('kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py'))
    student = copy.deepcopy(cfg.model.architecture)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        wrong = MODELS.build(student)  # a resnet8 checkpoint for the resnet20 teacher
    path = str(tmp_path / 'wrong.pth')
    torch.save(dict(state_dict=wrong.state_dict()), path)
    cfg.model.teacher_ckpt = path
    with pytest.raises(RuntimeError, match='missing keys in source state_dict: backbone.layer1.1'):
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            MODELS.build(cfg.model)


TAKD = ['takd/takd-stage1_resnet20_resnet14_1xb128_fashion-mnist-5k.py',
        'takd/takd-stage2_resnet14_resnet8x0.5_1xb128_fashion-mnist-5k.py']
TINY_OPTIONS = {
    'train_dataloader.dataset.indices': 32, 'train_dataloader.batch_size': 16,
    'train_dataloader.num_workers': 0, 'train_dataloader.persistent_workers': False,
    'val_dataloader.dataset.indices': 16, 'val_dataloader.num_workers': 0,
    'val_dataloader.persistent_workers': False, 'train_cfg.max_epochs': 1,
    'default_hooks.checkpoint.save_best': None, 'log_level': 'WARNING',
}


@needs_data
def test_takd_chain_passes_each_student_to_the_next_stage(tmp_path):
    first = standin_checkpoints(Config.fromfile(config_path(TAKD[0])), tmp_path / 'ckpts')
    exported = run_chain([config_path(r) for r in TAKD], str(tmp_path / 'chain'),
                              dict(TINY_OPTIONS), first_teacher_ckpt=first.model.teacher_ckpt)
    assert [osp.basename(p) for p in exported] == ['stage1_student.pth', 'stage2_student.pth']
    assistant = torch.load(exported[0], map_location='cpu')['state_dict']
    assert 'backbone.layer3.1.conv1.weight' in assistant  # resnet14: 2 blocks per stage
    assert 'backbone.layer3.2.conv1.weight' not in assistant
    stage2 = torch.load(last_checkpoint(str(tmp_path / 'chain' / 'stage2')),
                        map_location='cpu', weights_only=False)['state_dict']
    teacher2 = {k[len('teacher.'):]: v for k, v in stage2.items() if k.startswith('teacher.')}
    assert set(teacher2) == set(assistant)
    assert all(torch.equal(teacher2[k], assistant[k]) for k in assistant)
    final = torch.load(exported[1], map_location='cpu')['state_dict']
    assert 'backbone.layer3.0.conv1.weight' in final and 'backbone.layer3.1.conv1.weight' \
        not in final  # resnet8: 1 block per stage


def test_takd_chain_refuses_mismatched_stages(tmp_path):
    stages = [config_path(TAKD[0]), config_path('kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py')]
    with pytest.raises(ValueError, match='chain stages mismatched: the teacher of stage 2'):
        run_chain(stages, str(tmp_path), dict(TINY_OPTIONS))
    with pytest.raises(ValueError, match='at least two stages'):
        run_chain(stages[:1], str(tmp_path), dict(TINY_OPTIONS))
