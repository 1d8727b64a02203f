"""PS-KD: self-knowledge distillation with progressively refined targets.

Kim et al., "Self-Knowledge Distillation with Progressive Refinement of Targets", ICCV 2021.
At epoch t (0-based ``epoch``, ``T`` = max epochs) the model is trained by cross-entropy against

    target_t(x) = (1 - alpha_t) * onehot(y) + alpha_t * p_{t-1}(x),   alpha_t = alpha_T * (epoch+1) / T

(Eq. 3/4 of the paper). As in the official code the first epoch already has ``alpha_0 > 0``, and
its ``p_{-1}`` is the one-hot label, so epoch 0 trains on the plain one-hot target.

``p_{t-1}`` comes from one of two sources (``source``):

- ``'memory'``: a :class:`PredictionMemory` keyed by ``sample_idx``, written with the softmax of
  the current training pass after each step (the official code's ``all_predictions``); under DDP
  every rank all-gathers indices and predictions, so all ranks hold the same memory.
- ``'snapshot'``: a frozen copy of the model as it was at the end of the last epoch, run in eval
  mode on the same (augmented) batch (the paper's route for ImageNet). It is refreshed by
  :class:`PSKDHook` at the start of each epoch and is not saved in checkpoints: on resume the
  restored weights are exactly that model.

Batch augments (mmpretrain's Mixup/CutMix) are taken over from the architecture's data
preprocessor: the algorithm mixes inputs, one-hot labels and memory rows with the same lambda and
permutation, so the target is ``(1-a) mix(onehot) + a mix(p_{t-1})``; the memory then stores each
mixed image's prediction under the index of the image it was mixed into (our choice; the official
code has no CutMix path). With ``'snapshot'`` the snapshot sees the mixed images themselves.
"""
import copy

import torch
import torch.nn.functional as F
from mmengine import dist
from mmpretrain.models.losses.cross_entropy_loss import soft_cross_entropy
from mmrazor.models.algorithms.base import BaseAlgorithm
from mmrazor.registry import MODELS

from ...utils import sample_labels
from .method import DistillMethod, DistillView
from .prediction_memory import PredictionMemory
from .utils import merge_data_preprocessor

SOURCES = ('memory', 'snapshot')


@MODELS.register_module()
class PSKD(BaseAlgorithm, DistillMethod):
    """Progressive self-knowledge distillation around an mmpretrain classifier.

    Args:
        architecture (dict | BaseModel): The classifier (``ImageClassifier`` config, or
            ``dict(cfg_path='mmpretrain::...')``). Its head must expose ``num_classes``.
        alpha_T (float): alpha at the last epoch, in [0, 1]. Official CIFAR-100/ImageNet: 0.8.
        source (str): ``'memory'`` or ``'snapshot'``.
        memory (dict, optional): :class:`PredictionMemory` arguments for ``source='memory'``:
            ``num_samples`` (the training set's length; left out, :class:`PSKDHook` sizes the
            memory from the training set before the run) and optionally ``dtype``, ``topk``,
            ``residual``. ``num_classes`` defaults to the head's.
        loss_weight (float): Weight of the PS-KD cross-entropy. Defaults to 1.
        data_preprocessor, init_cfg: as mmrazor's ``BaseAlgorithm``.

    The current ``alpha_t`` is a buffer set by :class:`PSKDHook` (required in ``custom_hooks``);
    it and the memory are saved in checkpoints.
    """

    def __init__(self, architecture, alpha_T=0.8, source='memory', memory=None, loss_weight=1.0,
                 data_preprocessor=None, init_cfg=None):
        architecture, data_preprocessor = merge_data_preprocessor(architecture, data_preprocessor)
        super().__init__(architecture, data_preprocessor, init_cfg, module_inplace=True)
        if not isinstance(alpha_T, (int, float)) or not 0 <= alpha_T <= 1:
            raise ValueError(f'PSKD: alpha_T={alpha_T!r} must be a number in [0, 1]')
        if source not in SOURCES:
            raise ValueError(f'PSKD: source={source!r} is not one of {SOURCES}')
        head = getattr(self.architecture, 'head', None)
        self.num_classes = getattr(head, 'num_classes', None)
        if not isinstance(self.num_classes, int):
            raise TypeError('PSKD: architecture.head has no int num_classes; PS-KD needs a '
                            'classification head')
        self.alpha_T = float(alpha_T)
        self.source = source
        self.loss_weight = loss_weight
        self.register_buffer('alpha_t', torch.tensor(-1.0))  # set by PSKDHook
        # alpha_t's value on the host, so a step does not wait for the device to read it;
        # dropped whenever a state dict is loaded (then read from the buffer once)
        self._alpha_value = None
        self.register_load_state_dict_post_hook(
            lambda module, incompatible: setattr(module, '_alpha_value', None))
        self.memory, self._memory_cfg = None, None
        if source == 'memory':
            memory = dict(memory or {})
            if memory.setdefault('num_classes', self.num_classes) != self.num_classes:
                raise ValueError(f"PSKD: memory.num_classes={memory['num_classes']} differs "
                                 f'from the head num_classes={self.num_classes}')
            if memory.get('num_samples') is None:
                # sized from the training set by PSKDHook.before_run (build_memory)
                memory.pop('num_samples', None)
                PredictionMemory(num_samples=1, **memory)  # bad dtype/topk/residual: fail now
                self._memory_cfg = memory
            else:
                self.memory = PredictionMemory(**memory)
        elif memory:
            raise ValueError("PSKD: memory=... is only used with source='memory'")
        # Batch augments are applied here, to inputs, labels and memory rows alike.
        preprocessor = self.data_preprocessor
        self.batch_augments = getattr(preprocessor, 'batch_augments', None)
        if self.batch_augments is not None:
            preprocessor.batch_augments = None
        self._snapshot = None  # [model]: kept out of state_dict(), parameters() and DDP

    # -- state driven by PSKDHook -----------------------------------------------------------
    def build_memory(self, num_samples):
        """Create the memory for a training set of ``num_samples`` (when the config left
        ``memory.num_samples`` out); a memory already built is kept as it is."""
        if self.memory is None and self._memory_cfg is not None:
            device = self.alpha_t.device
            self.memory = PredictionMemory(num_samples=num_samples,
                                           **self._memory_cfg).to(device)
        return self.memory

    def set_alpha(self, epoch, max_epochs):
        """alpha_t = alpha_T * (epoch + 1) / T (official schedule, 0-based epoch)."""
        self.alpha_t.fill_(self.alpha_T * (epoch + 1) / max_epochs)
        self._alpha_value = float(self.alpha_t)
        return self._alpha_value

    @torch.no_grad()
    def update_snapshot(self):
        """Freeze a copy of the current model as p_{t-1} (``source='snapshot'``)."""
        if self._snapshot is None:
            snapshot = copy.deepcopy(self.architecture)
            snapshot.requires_grad_(False)
            self._snapshot = [snapshot]
        else:
            self._snapshot[0].load_state_dict(self.architecture.state_dict())
        self._snapshot[0].eval()

    @property
    def snapshot(self):
        return None if self._snapshot is None else self._snapshot[0]

    # -- training -------------------------------------------------------------------------
    def loss(self, inputs, data_samples):
        if self._alpha_value is None:
            self._alpha_value = float(self.alpha_t)
        alpha = self._alpha_value
        if alpha < 0:
            raise RuntimeError("PSKD: alpha_t was never set: add dict(type='PSKDHook') to "
                               'custom_hooks')
        labels = sample_labels(data_samples, inputs.device)
        onehot = F.one_hot(labels, self.num_classes).float()
        indices = self._sample_indices(data_samples)  # on the host: checked without a sync

        if self.source == 'memory':
            scores = torch.cat([onehot, self.memory.read(indices, fallback=onehot)], dim=1)
            if self.batch_augments is not None:
                inputs, scores = self.batch_augments(inputs, scores)
            onehot, prior = scores[:, :self.num_classes], scores[:, self.num_classes:]
        else:
            if self.batch_augments is not None:
                inputs, onehot = self.batch_augments(inputs, onehot)
            if self.snapshot is None:  # epoch 0: p_{-1} is the label itself
                prior = onehot
            else:
                with torch.no_grad():
                    prior = F.softmax(self.snapshot(inputs, mode='tensor').float(), dim=1)

        logits = self.architecture(inputs, mode='tensor')
        target = (1 - alpha) * onehot + alpha * prior
        loss = self.loss_weight * soft_cross_entropy(logits, target)
        if not torch.isfinite(loss):
            raise FloatingPointError(f'PSKD: loss_pskd is {loss.item()} (alpha_t={alpha:.4f}); '
                                     'lower the lr or check the inputs')
        if self.source == 'memory':  # a finite loss has finite logits: no second check
            self._write_memory(indices, F.softmax(logits.detach().float(), dim=1),
                               check_finite=False)
        return dict(loss_pskd=loss, alpha_t=loss.new_tensor(alpha))

    @staticmethod
    def _sample_indices(data_samples):
        try:
            return torch.tensor([int(s.sample_idx) for s in data_samples], dtype=torch.long)
        except (AttributeError, KeyError):
            raise KeyError("PSKD: the data samples carry no 'sample_idx'; the dataset must be an "
                           'mmengine BaseDataset and the pipeline must end in PackInputs (whose '
                           "meta_keys include 'sample_idx')") from None

    def _write_memory(self, indices, probs, check_finite=True):
        if dist.get_world_size() > 1:
            indices = indices.to(probs.device)  # the collectives run on the model's device
            # Ranks may hold batches of different sizes (last batch): pad to the largest.
            size = torch.tensor([len(indices)], device=indices.device)
            sizes = [int(s) for s in dist.all_gather(size)]
            pad = max(sizes) - len(indices)
            indices = torch.cat([indices, indices.new_full((pad, ), -1)])
            probs = torch.cat([probs, probs.new_zeros(pad, probs.shape[1])])
            indices = torch.cat([t[:n] for t, n in zip(dist.all_gather(indices), sizes)])
            probs = torch.cat([t[:n] for t, n in zip(dist.all_gather(probs), sizes)])
        self.memory.write(indices, probs, check_finite=check_finite)

    # -- inference: the architecture alone ---------------------------------------------------
    def _forward(self, inputs, data_samples=None):
        return self.architecture(inputs, data_samples, mode='tensor')

    def _predict(self, inputs, data_samples=None):
        return self.architecture(inputs, data_samples, mode='predict')

    # -- DistillMethod ----------------------------------------------------------------------
    KIND = 'self'

    def student_models(self):
        return dict(student=self.architecture)

    def distill_view(self, inputs, data_samples, cache=None, key=None):
        """The target is ``p_{t-1}``: the memory row of each image (last epoch's softmax; the
        label itself before it is written) or the snapshot's softmax; ``alpha_t`` its weight."""
        labels = sample_labels(data_samples, inputs.device)
        z = self.architecture(inputs, mode='tensor').float()
        onehot = F.one_hot(labels, self.num_classes).float()
        if self.source == 'memory' and self.memory is not None:
            prior = self.memory.read(self._sample_indices(data_samples), fallback=onehot)
        elif self.source == 'snapshot' and self.snapshot is not None:
            prior = F.softmax(self.snapshot(inputs, mode='tensor').float(), dim=1)
        else:  # nothing learnt yet: p_{-1} is the label
            prior = onehot
        return DistillView(logits=dict(student=z), targets=dict(student=prior),
                           extra=dict(alpha_t=float(self.alpha_t)))

    def heldout_view(self, inputs, data_samples, cache=None, key=None):
        """Held-out images have no memory row: the student alone (the snapshot's softmax, which
        any image has, in snapshot mode)."""
        if self.source == 'snapshot':
            return self.distill_view(inputs, data_samples, cache, key)
        return DistillView(logits=dict(student=self.architecture(inputs, mode='tensor').float()),
                           extra=dict(alpha_t=float(self.alpha_t)))

    def loss_role(self, key):
        """``loss_pskd``: one soft-target cross-entropy (no separate label term)."""
        return ('student', 'distillation') if key == 'loss_pskd' else None

    @classmethod
    def control_run(cls, model_cfg):
        return dict(alpha_T=0.0, loss_weight=1.0)  # the target is the label: plain CE
