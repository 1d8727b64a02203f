"""The fast CPU training path of the protocol (ChannelsLastHook, in-process loading) changes the
memory layout and the speed, not the results: same seed -> the same losses within float rounding;
the same seed twice -> identical runs; every method family runs with it."""
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from conftest import config_path, shrink, standin_checkpoints
from test_datasets import needs_data

STUDENT = config_path('baseline/resnet8_1xb128_fashion-mnist-5k.py')


class LossRecorder(Hook):

    def __init__(self):
        self.losses, self.layouts = [], []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(float(outputs['loss'].detach()))
        model = runner.model
        w = [p for p in model.parameters() if p.dim() == 4 and p.shape[1] > 1 and p.shape[-1] == 3][-1]
        self.layouts.append(w.is_contiguous(memory_format=torch.channels_last)
                            and not w.is_contiguous())


def _run(tmp_path, channels_last, rel=STUDENT, iters=6):
    cfg = shrink(Config.fromfile(rel), tmp_path, n_train=32 * iters // 2, n_val=64,
                 batch_size=32, max_epochs=2)
    torch.manual_seed(1)  # the same stand-in teacher / stage-1 encoder for both layouts
    standin_checkpoints(cfg, tmp_path / 'ckpts')
    cfg.randomness = dict(seed=0)
    if not channels_last:
        cfg.default_hooks.pop('channels_last')
    runner = Runner.from_cfg(cfg)
    rec = LossRecorder()
    runner.register_hook(rec)
    runner.train()
    return rec, runner.val_loop.run()


@needs_data
def test_protocol_configs_use_the_fast_path():
    cfg = Config.fromfile(STUDENT)
    assert cfg.default_hooks.channels_last.type == 'ChannelsLastHook'
    assert cfg.train_dataloader.num_workers == 0 and cfg.val_dataloader.num_workers == 0


@needs_data
def test_channels_last_gives_the_same_run_within_float_noise(tmp_path):
    fast, m_fast = _run(tmp_path / 'cl', True)
    slow, m_slow = _run(tmp_path / 'nchw', False)
    assert all(fast.layouts) and not any(slow.layouts)  # the layout did change
    assert len(fast.losses) == len(slow.losses) == 6
    assert fast.losses == pytest.approx(slow.losses, rel=1e-3, abs=1e-4)
    assert m_fast['accuracy/top1'] == pytest.approx(m_slow['accuracy/top1'], abs=1.6)  # 1 image


@needs_data
def test_same_seed_twice_is_identical(tmp_path):
    a, ma = _run(tmp_path / 'a', True)
    b, mb = _run(tmp_path / 'b', True)
    assert a.losses == b.losses and ma == mb


@needs_data
@pytest.mark.parametrize('rel', ['kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
                                 'at/at_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
                                 'fitnets/fitnets_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
                                 'iekd/iekd-ft_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
                                 'kdcl/kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-5k.py',
                                 'iekd/iedml_2xresnet8_1xb128_fashion-mnist-5k.py'])
def test_every_family_matches_its_nchw_run(rel, tmp_path):
    fast, _ = _run(tmp_path / 'cl', True, config_path(rel), iters=2)
    slow, _ = _run(tmp_path / 'nchw', False, config_path(rel), iters=2)
    assert fast.losses == pytest.approx(slow.losses, rel=1e-3, abs=1e-4)
