"""Random crop and flip applied to the whole batch in the data preprocessor, drawing exactly the
random numbers the per-sample pipeline would.

The per-image ``RandomCrop(padding) -> RandomFlip`` of the data pipeline (numpy + OpenCV calls per
image) is a sizeable share of a small CIFAR ResNet's CPU step (measured:
``benchmarks/speed/README.md``). :class:`BatchCropFlipDataPreprocessor` moves those two
transforms out of the dataset pipeline: it stacks the batch, asks the very transform objects of
mmpretrain (``RandomCrop.rand_crop_params``) and mmcv (``RandomFlip._choose_direction``) for each
image's random parameters, in the pipeline's order (image by image: crop offsets, then flip), and
applies every crop and flip at once with one gather on the padded batch. With the data loaded in
the training process (``num_workers=0``, as the Fashion-MNIST protocol does) the numpy random
stream is consumed in the same order as by the pipeline, so a seed gives bit-identical training
inputs (``tests/test_fast_path.py``). With worker processes the draws happen in the main
process instead of the workers: the same distribution, another stream.

What is not reproduced: the per-sample metainfo keys ``flip`` / ``flip_direction`` (no
classification model reads them); ``img_shape`` is updated when the crop changes the size.
"""
from typing import List, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.models.utils.data_preprocessor import ClsDataPreprocessor
from mmpretrain.registry import MODELS, TRANSFORMS

_CROP_ALLOWED = dict(crop_size=None, padding=None, pad_val=(0, ), padding_mode=('constant', ),
                     pad_if_needed=(False, ))
_FLIP_DIRECTIONS = ('horizontal', 'vertical')


def _check_crop(cfg: dict) -> None:
    unknown = set(cfg) - {'type'} - set(_CROP_ALLOWED)
    if unknown:
        raise ValueError(f'batch_transforms RandomCrop: unsupported option(s) {sorted(unknown)}; '
                         f'allowed: {sorted(_CROP_ALLOWED)}')
    for key, allowed in _CROP_ALLOWED.items():
        if allowed is not None and key in cfg and cfg[key] not in allowed:
            raise ValueError(f'batch_transforms RandomCrop: {key}={cfg[key]!r} is not '
                             f'supported; allowed: {list(allowed)}')
    padding = cfg.get('padding')
    if padding is not None and not isinstance(padding, int):
        raise ValueError(f'batch_transforms RandomCrop: padding={padding!r}; allowed: an int '
                         '(the same on every border) or None')


def _check_flip(cfg: dict) -> None:
    unknown = set(cfg) - {'type', 'prob', 'direction'}
    if unknown:
        raise ValueError(f'batch_transforms RandomFlip: unsupported option(s) {sorted(unknown)}; '
                         "allowed: ['prob', 'direction']")
    direction = cfg.get('direction', 'horizontal')
    directions = [direction] if isinstance(direction, str) else list(direction)
    bad = [d for d in directions if d not in _FLIP_DIRECTIONS]
    if bad:
        raise ValueError(f'batch_transforms RandomFlip: direction {bad} is not supported; '
                         f'allowed: {list(_FLIP_DIRECTIONS)}')


@MODELS.register_module()
class BatchCropFlipDataPreprocessor(ClsDataPreprocessor):
    """mmpretrain's :class:`ClsDataPreprocessor` that first applies ``RandomCrop`` and
    ``RandomFlip`` to the training batch (see the module docstring).

    Args:
        batch_transforms (list[dict]): the transforms taken out of the training pipeline, in the
            pipeline's order; each is ``dict(type='RandomCrop', crop_size=..., padding=...)``
            (constant zero padding, the same on every border) or
            ``dict(type='RandomFlip', prob=..., direction='horizontal' | 'vertical' | [...])``,
            at most one of each. They run on training batches only.
        **kwargs: :class:`ClsDataPreprocessor`'s arguments (mean, std, to_rgb, num_classes, ...).

    Example (the Fashion-MNIST protocol)::

        data_preprocessor = dict(
            type='BatchCropFlipDataPreprocessor', mean=[72.94], std=[90.02], num_classes=10,
            batch_transforms=[dict(type='RandomCrop', crop_size=28, padding=2),
                              dict(type='RandomFlip', prob=0.5, direction='horizontal')])
        train_pipeline = [dict(type='PackInputs')]
    """

    def __init__(self, batch_transforms: Sequence[dict], **kwargs):
        super().__init__(**kwargs)
        if not isinstance(batch_transforms, (list, tuple)) or not batch_transforms:
            raise ValueError(f'batch_transforms: a non-empty list of RandomCrop / RandomFlip '
                             f'configs is required, got {batch_transforms!r}')
        self.crop = self.flip = None
        self._order: List[str] = []
        for cfg in batch_transforms:
            kind = cfg.get('type') if isinstance(cfg, dict) else None
            if kind not in ('RandomCrop', 'RandomFlip'):
                raise ValueError(f'batch_transforms: type {kind!r} is not supported; allowed: '
                                 "['RandomCrop', 'RandomFlip']")
            if kind in self._order:
                raise ValueError(f'batch_transforms: {kind} given twice; allowed once each')
            if kind == 'RandomCrop':
                _check_crop(cfg)
                self.crop = TRANSFORMS.build(dict(cfg))
            else:
                _check_flip(cfg)
                self.flip = TRANSFORMS.build(dict(cfg))
            self._order.append(kind)

    # -- the random parameters, drawn as the per-sample pipeline draws them ----------------
    def _draw(self, n: int, height: int, width: int):
        pad = (self.crop.padding or 0) if self.crop is not None else 0
        padded = np.empty((height + 2 * pad, width + 2 * pad), np.uint8)  # only its shape is read
        # bound once per batch: mmcv's cache_randomness copies itself on every attribute access
        crop_params = self.crop.rand_crop_params if self.crop is not None else None
        choose_direction = self.flip._choose_direction if self.flip is not None else None
        crops, flips = [], []
        for _ in range(n):
            for kind in self._order:
                if kind == 'RandomCrop':
                    crops.append(crop_params(padded))
                else:
                    flips.append(choose_direction())
        return pad, crops, flips

    def batch_crop_flip(self, inputs: torch.Tensor) -> torch.Tensor:
        """Crop and flip a batch ``(N, C, H, W)``; returns a channels-last tensor of the crop
        size. Public for the equivalence test."""
        n, channels, height, width = inputs.shape
        pad, crops, flips = self._draw(n, height, width)
        if pad:
            inputs = F.pad(inputs, (pad, pad, pad, pad), value=0)
        pad_h, pad_w = inputs.shape[-2:]
        if crops:  # one padded size and one crop_size: every image gets the same target size
            _, _, out_h, out_w = crops[0]
            top, left = torch.tensor([c[:2] for c in crops]).view(n, 2, 1).unbind(1)
        else:
            out_h, out_w = height, width
            top = left = torch.zeros(n, 1, dtype=torch.long)
        if flips:
            h_flip = torch.tensor([d == 'horizontal' for d in flips]).view(n, 1)
            v_flip = torch.tensor([d == 'vertical' for d in flips]).view(n, 1)
            if self._order[0] == 'RandomFlip' and crops:
                # flip, then crop at (top, left) = crop at the mirrored offset, then flip
                left = torch.where(h_flip, pad_w - out_w - left, left)
                top = torch.where(v_flip, pad_h - out_h - top, top)
        rows = top + torch.arange(out_h)  # (N, out_h) indices into the padded image
        cols = left + torch.arange(out_w)
        if flips:
            cols = torch.where(h_flip, cols.flip(1), cols)
            rows = torch.where(v_flip, rows.flip(1), rows)
        # one gather over the padded NHWC pixels: out[n, i, j] = padded[n, rows[n, i], cols[n, j]]
        index = (rows.view(n, out_h, 1) * pad_w + cols.view(n, 1, out_w)).view(n, -1, 1)
        nhwc = inputs.permute(0, 2, 3, 1).reshape(n, pad_h * pad_w, channels)
        out = torch.gather(nhwc, 1, index.expand(n, out_h * out_w, channels))
        # (N, C, H, W) view of NHWC memory: channels-last
        return out.view(n, out_h, out_w, channels).permute(0, 3, 1, 2)

    def forward(self, data: dict, training: bool = False) -> dict:
        if training:
            inputs = data['inputs']
            if not isinstance(inputs, torch.Tensor):
                inputs = torch.stack(list(inputs))
            data = dict(data, inputs=self.batch_crop_flip(inputs))
            shape = tuple(data['inputs'].shape[-2:])
            if shape != tuple(inputs.shape[-2:]) and data.get('data_samples') is not None:
                for sample in data['data_samples']:
                    sample.set_metainfo(dict(img_shape=shape))
        if (self.device.type == 'cpu' and self.batch_augments is None and not self.to_onehot
                and data.get('data_samples')):
            # ClsDataPreprocessor concatenates the labels, moves them to the device and sets
            # them on every sample again; on the CPU with nothing to add (no batch augments, no
            # one-hot scores) that gives back the labels PackInputs set: skip it
            out = super().forward(dict(data, data_samples=None), training)
            return dict(out, data_samples=data['data_samples'])
        return super().forward(data, training)
