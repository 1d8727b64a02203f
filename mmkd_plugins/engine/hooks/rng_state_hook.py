"""Exact resume with random augmentation: the RNG states travel in the checkpoint, and a run
resumed from a checkpoint saved inside an epoch continues with that epoch's next batch.

mmengine 0.10.7 checkpoints hold the model, optimiser, schedulers and message hub but no RNG
state, so a resumed run draws other crops and flips than the run it continues; and its
``EpochBasedTrainLoop`` restarts a partially trained epoch from its first batch (the batches
before the checkpoint are trained twice). This hook:

- ``before_save_checkpoint``: stores the python, numpy and torch (and CUDA) RNG states in
  ``checkpoint['meta']['rng_state']``;
- ``after_load_checkpoint`` (``--resume``): keeps them;
- ``before_train_epoch`` of the resumed epoch: if the checkpoint was saved after ``j`` of its
  batches, the epoch's dataloader is wrapped so that the first ``j`` batches are fetched and
  dropped (the sampler order is (seed, epoch)-keyed, so they are the batches already trained,
  and data workers replay their own draws), then the saved RNG states are restored -- the next
  batch is drawn from exactly the state the uninterrupted run had there. At an epoch boundary the
  states are restored before the epoch starts.

Registered in ``configs/_base_/default_runtime.py`` as ``default_hooks.rng_state``. Tested for
every algorithm family: a run stopped and resumed, mid-epoch or at an epoch end, gives the
straight run's losses step by step and its final state.
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def get_rng_state():
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state):
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _SkipThenRestore:
    """A dataloader whose next iteration drops ``skip`` batches, then restores ``rng``."""

    def __init__(self, loader, skip, rng):
        self.loader, self.skip, self.rng = loader, skip, rng

    def __len__(self):
        return len(self.loader)

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def __iter__(self):
        it = iter(self.loader)
        for _ in range(self.skip):
            next(it)
        set_rng_state(self.rng)
        yield from it


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the RNG states with every checkpoint; resume exactly, also inside an epoch."""

    priority = 'VERY_HIGH'

    def __init__(self):
        self._resumed = None

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint.setdefault('meta', {})['rng_state'] = get_rng_state()

    def after_load_checkpoint(self, runner, checkpoint):
        rng = checkpoint.get('meta', {}).get('rng_state')
        if rng is not None:
            self._resumed = rng

    def before_train_epoch(self, runner):
        rng, self._resumed = self._resumed, None
        if rng is None:
            return
        loop = runner.train_loop
        done = runner.iter - runner.epoch * len(loop.dataloader)  # batches of this epoch
        if done <= 0:
            set_rng_state(rng)
            return
        self._original = loop.dataloader
        loop.dataloader = _SkipThenRestore(loop.dataloader, done, rng)
        runner.logger.info(f'RNGStateHook: resumed inside epoch {runner.epoch + 1}: its first '
                           f'{done} batches are skipped, then the saved RNG state is restored')

    def after_train_epoch(self, runner):
        original = getattr(self, '_original', None)
        if original is not None:
            runner.train_loop.dataloader = original
            self._original = None
