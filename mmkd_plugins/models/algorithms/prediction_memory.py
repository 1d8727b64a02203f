"""A per-sample store of last epoch's predictions p_{t-1}(x), keyed by the dataset's ``sample_idx``.

PS-KD (Kim et al., ICCV 2021) reads ``p_{t-1}(x_i)`` for the soft target of sample ``i`` and
writes the softmax of the current pass after each step (as the official code). Three layouts:

- ``dtype='float32'`` / ``'float16'``: a dense N x C buffer (ImageNet-1k: 5.1 GB / 2.6 GB).
- ``topk=k``: the k largest probabilities (float16) and their class ids (int16 when C <= 32767,
  else int32) per sample, N x k x 4 bytes (ImageNet-1k, k = 10: 51 MB). On read, the mass left
  outside the top k, ``1 - sum(top k)``, is spread uniformly over the other C - k classes
  (``residual='uniform'``, the default: the read row sums to 1 and no class gets probability 0),
  or dropped and the top k renormalised (``residual='drop'``).

Rows never written read as ``fallback`` (PS-KD passes the one-hot label, which is what the
official code writes into the memory at epoch 0). The buffers are part of the module's
state_dict, so checkpoints carry the memory and ``--resume`` restores it; they live where the model
lives (on a GPU: in device memory, moved with the model). ``read`` / ``write`` take ``sample_idx``
on the host (PS-KD builds them from the data samples) and check their range there, so a step pays
two small host-to-device copies (B int64 each) and no synchronisation for the indices.
"""
import torch
import torch.nn as nn

DTYPES = {'float32': torch.float32, 'float16': torch.float16}
RESIDUALS = ('uniform', 'drop')


class PredictionMemory(nn.Module):
    """N x C prediction store (dense or top-k sparse).

    Args:
        num_samples (int): N, the training set's length.
        num_classes (int): C, the head's class count.
        dtype (str): ``'float32'`` or ``'float16'`` (dense layout). Defaults to ``'float32'``.
        topk (int, optional): Keep only the k largest probabilities per sample.
        residual (str): What a top-k read does with the mass outside the top k:
            ``'uniform'`` or ``'drop'``. Defaults to ``'uniform'``.
    """

    def __init__(self, num_samples, num_classes, dtype='float32', topk=None, residual='uniform'):
        super().__init__()
        for name, value in (('num_samples', num_samples), ('num_classes', num_classes)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'PredictionMemory: {name}={value!r} must be a positive int')
        if dtype not in DTYPES:
            raise ValueError(f'PredictionMemory: dtype={dtype!r} is not one of {list(DTYPES)}')
        if residual not in RESIDUALS:
            raise ValueError(f'PredictionMemory: residual={residual!r} is not one of {RESIDUALS}')
        if topk is not None and (not isinstance(topk, int) or not 1 <= topk < num_classes):
            raise ValueError(f'PredictionMemory: topk={topk!r} must be an int in '
                             f'[1, num_classes={num_classes})')
        self.num_samples, self.num_classes = num_samples, num_classes
        self.topk, self.residual = topk, residual
        self.register_buffer('written', torch.zeros(num_samples, dtype=torch.bool))
        if topk is None:
            self.register_buffer('probs', torch.zeros(num_samples, num_classes,
                                                      dtype=DTYPES[dtype]))
        else:
            index_dtype = torch.int16 if num_classes <= 32767 else torch.int32
            self.register_buffer('topk_values', torch.zeros(num_samples, topk,
                                                            dtype=torch.float16))
            self.register_buffer('topk_indices', torch.zeros(num_samples, topk,
                                                             dtype=index_dtype))

    def nbytes(self):
        """Bytes held by the store (the ``written`` mask included)."""
        return sum(b.numel() * b.element_size() for b in self.buffers())

    def _check_indices(self, indices):
        """Raise unless every index is in [0, N). Free for host indices (what PS-KD passes); for
        device indices one synchronisation (min and max read together)."""
        if not indices.numel():
            return
        if indices.device.type == 'cpu':
            lo, hi = int(indices.numpy().min()), int(indices.numpy().max())
        else:
            lo, hi = torch.stack([indices.min(), indices.max()]).tolist()
        if lo < 0 or hi >= self.num_samples:
            raise IndexError(
                f'PredictionMemory: sample_idx {hi if hi >= self.num_samples else lo} outside '
                f'the memory of num_samples={self.num_samples}: the memory is sized for another '
                'dataset')

    @torch.no_grad()
    def write(self, indices, probs, check_finite=True):
        """Store ``probs`` (B x C, rows summing to 1) for ``indices`` (B,). ``check_finite``:
        refuse non-finite rows (one synchronisation on a GPU; PS-KD checks its loss instead)."""
        self._check_indices(indices)
        indices = indices.to(self.written.device, torch.long, non_blocking=True)
        if probs.shape[-1] != self.num_classes:
            raise ValueError(f'PredictionMemory: predictions have {probs.shape[-1]} classes, the '
                             f'memory num_classes={self.num_classes}')
        probs = probs.detach().to(self.written.device)
        bad = None if not check_finite else ~torch.isfinite(probs).all(dim=-1)
        if bad is not None and bad.any():
            raise ValueError(f'PredictionMemory: non-finite predictions for sample_idx '
                             f'{indices[bad][:8].tolist()}: the model diverged (NaN/inf logits); '
                             f'lower the learning rate or check the loss')
        if self.topk is None:
            self.probs[indices] = probs.to(self.probs.dtype)
        else:
            values, classes = probs.topk(self.topk, dim=1)
            self.topk_values[indices] = values.to(torch.float16)
            self.topk_indices[indices] = classes.to(self.topk_indices.dtype)
        self.written[indices] = True

    @torch.no_grad()
    def read(self, indices, fallback):
        """Float32 B x C predictions for ``indices``; unwritten rows are taken from ``fallback``."""
        self._check_indices(indices)
        indices = indices.to(self.written.device, torch.long, non_blocking=True)
        if self.topk is None:
            out = self.probs[indices].float()
        else:
            values = self.topk_values[indices].float()
            classes = self.topk_indices[indices].long()
            if self.residual == 'uniform':
                rest = (1 - values.sum(1, keepdim=True)).clamp_min(0)
                out = (rest / (self.num_classes - self.topk)).expand(
                    -1, self.num_classes).clone()
            else:
                values = values / values.sum(1, keepdim=True).clamp_min(1e-12)
                out = values.new_zeros(len(indices), self.num_classes)
            out.scatter_(1, classes, values)
        written = self.written[indices].unsqueeze(1).to(fallback.device)
        return torch.where(written, out.to(fallback.device), fallback.float())
