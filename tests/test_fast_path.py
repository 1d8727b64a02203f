"""The fast CPU training path of the protocol (ChannelsLastHook, in-process loading, crop and flip
on the batch) changes the memory layout and the speed, not the results: same seed -> the same
inputs bit for bit and the same losses within float rounding; the same seed twice -> identical
runs; every method family runs with it."""
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmkd_plugins.models.data_preprocessors import BatchCropFlipDataPreprocessor
from mmpretrain.models.utils.data_preprocessor import ClsDataPreprocessor
from mmpretrain.registry import TRANSFORMS

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


def _per_image_pipeline(cfg):
    """The protocol's data path before the batch crop/flip: RandomCrop -> RandomFlip -> PackInputs
    per image, mmpretrain's ClsDataPreprocessor."""
    pre = cfg.model.get('data_preprocessor') or cfg.data_preprocessor
    if pre.get('type') != 'BatchCropFlipDataPreprocessor':
        return
    transforms = pre.pop('batch_transforms')
    pre.type = 'mmpretrain.ClsDataPreprocessor'
    cfg.train_dataloader.dataset.pipeline = [*transforms, dict(type='PackInputs')]


def _run(tmp_path, channels_last, rel=STUDENT, iters=6, batch_crop_flip=True):
    cfg = shrink(Config.fromfile(rel), tmp_path, n_train=32 * iters // 2, n_val=64,
                 batch_size=32, max_epochs=2)
    torch.manual_seed(1)  # the same stand-in teacher / stage-1 encoder for both layouts
    standin_checkpoints(cfg, tmp_path / 'ckpts')
    cfg.randomness = dict(seed=0)
    if not channels_last:
        cfg.default_hooks.pop('channels_last')
    if not batch_crop_flip:
        _per_image_pipeline(cfg)
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
    assert cfg.data_preprocessor.type == 'BatchCropFlipDataPreprocessor'
    assert cfg.train_dataloader.dataset.pipeline == [dict(type='PackInputs')]


CROP = dict(type='RandomCrop', crop_size=28, padding=2)
FLIP = dict(type='RandomFlip', prob=0.5, direction='horizontal')


@pytest.mark.parametrize('transforms', [
    [CROP, FLIP],  # the protocol's
    [FLIP, CROP],  # the other draw order
    [dict(CROP, padding=4), dict(FLIP, direction=['horizontal', 'vertical'], prob=[0.3, 0.3])],
    [dict(FLIP, direction=['vertical', 'horizontal'], prob=[0.4, 0.4]), dict(CROP, padding=3)],
    [dict(CROP, crop_size=20, padding=None)],  # a smaller crop, no padding
    [dict(FLIP, prob=1.0, direction='vertical')],
])
@pytest.mark.parametrize('channels', [1, 3])
def test_batch_crop_flip_gives_the_per_image_pipelines_inputs_bit_for_bit(transforms, channels):
    """The same numpy seed -> the per-image pipeline (mmpretrain RandomCrop, mmcv RandomFlip,
    PackInputs, ClsDataPreprocessor) and the batch version give identical training inputs."""
    rng = np.random.default_rng(0)
    shape = (28, 28) if channels == 1 else (28, 28, 3)
    images = [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(64)]
    labels = [int(v) for v in rng.integers(0, 10, 64)]
    norm = dict(mean=[72.94] * channels, std=[90.02] * channels, to_rgb=False)

    def items():
        return [dict(img=im.copy(), img_shape=im.shape[:2], sample_idx=i, gt_label=labels[i])
                for i, im in enumerate(images)]

    np.random.seed(123)
    pipeline = Compose([TRANSFORMS.build(t) for t in [*transforms, dict(type='PackInputs')]])
    ref_batch = pseudo_collate([pipeline(item) for item in items()])
    ref = ClsDataPreprocessor(**norm)(ref_batch, True)['inputs']

    np.random.seed(123)
    pack = TRANSFORMS.build(dict(type='PackInputs'))
    batch = pseudo_collate([pack(item) for item in items()])
    pre = BatchCropFlipDataPreprocessor(batch_transforms=transforms, **norm)
    out = pre(batch, True)
    assert out['inputs'].shape == ref.shape
    assert torch.equal(out['inputs'], ref)
    ref_samples = ClsDataPreprocessor(**norm)(ref_batch, True)['data_samples']
    assert [int(s.gt_label) for s in out['data_samples']] == \
        [int(s.gt_label) for s in ref_samples] == labels
    unaugmented = pre(batch, False)['inputs'][..., :ref.shape[-2], :ref.shape[-1]]
    assert not torch.equal(out['inputs'], unaugmented)  # the transforms did something
    # the same random stream consumed: the next draw agrees as well
    np.random.seed(123)
    for im in images:
        pipeline(dict(img=im.copy()))
    after_pipeline = np.random.rand()
    np.random.seed(123)
    pre(batch, True)
    assert np.random.rand() == after_pipeline
    assert out['inputs'].is_contiguous(memory_format=torch.channels_last)
    assert [tuple(s.img_shape[:2]) for s in out['data_samples']] == \
        [tuple(s.img_shape[:2]) for s in ref_batch['data_samples']]


def test_batch_crop_flip_leaves_validation_batches_alone():
    pack = TRANSFORMS.build(dict(type='PackInputs'))
    images = [np.full((28, 28), i, np.uint8) for i in range(4)]
    batch = pseudo_collate([pack(dict(img=im)) for im in images])
    pre = BatchCropFlipDataPreprocessor(batch_transforms=[CROP, FLIP], mean=[0.], std=[1.])
    state = np.random.get_state()[1].copy()
    out = pre(batch, False)['inputs']
    assert torch.equal(out, torch.stack([torch.from_numpy(im)[None].float() for im in images]))
    assert (np.random.get_state()[1] == state).all()  # nothing drawn


@pytest.mark.parametrize('transforms, match', [
    ([], 'non-empty list'),
    ([dict(type='RandomResizedCrop', scale=28)], "type 'RandomResizedCrop' is not supported"),
    ([CROP, CROP], 'RandomCrop given twice'),
    ([dict(CROP, padding=(1, 2))], 'padding=\\(1, 2\\)'),
    ([dict(CROP, padding_mode='reflect')], "padding_mode='reflect' is not supported"),
    ([dict(CROP, pad_val=3)], 'pad_val=3 is not supported'),
    ([dict(FLIP, direction='diagonal')], "direction \\['diagonal'\\] is not supported"),
    ([dict(FLIP, swap_seg_labels=[1, 2])], "unsupported option\\(s\\) \\['swap_seg_labels'\\]"),
])
def test_batch_crop_flip_refuses_what_it_cannot_reproduce(transforms, match):
    with pytest.raises(ValueError, match=match):
        BatchCropFlipDataPreprocessor(batch_transforms=transforms)


@needs_data
def test_channels_last_gives_the_same_run_within_float_noise(tmp_path):
    fast, m_fast = _run(tmp_path / 'cl', True)
    slow, m_slow = _run(tmp_path / 'nchw', False)
    assert all(fast.layouts) and not any(slow.layouts)  # the layout did change
    assert len(fast.losses) == len(slow.losses) == 6
    assert fast.losses == pytest.approx(slow.losses, rel=1e-3, abs=1e-4)
    assert m_fast['accuracy/top1'] == pytest.approx(m_slow['accuracy/top1'], abs=1.6)  # 1 image


@needs_data
def test_batch_crop_flip_gives_the_per_image_pipelines_run(tmp_path):
    """The protocol config against the same config with crop and flip back in the per-image
    pipeline: the same seed -> the same inputs, so the same losses and metrics."""
    fast, m_fast = _run(tmp_path / 'batch', True)
    slow, m_slow = _run(tmp_path / 'image', True, batch_crop_flip=False)
    assert len(fast.losses) == 6
    assert fast.losses == pytest.approx(slow.losses, rel=1e-5, abs=1e-6)
    assert m_fast == pytest.approx(m_slow, abs=1e-4)


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
