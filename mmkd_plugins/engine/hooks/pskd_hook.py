"""Drives PS-KD's per-epoch state: alpha_t, the snapshot of last epoch's model, and checks."""
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...models.algorithms.pskd import PSKD
from ...utils import unwrap_model


@HOOKS.register_module()
class PSKDHook(Hook):
    """Required by :class:`~mmkd_plugins.models.algorithms.PSKD` (``custom_hooks``).

    - ``before_run``: sizes the memory from the training set when the config gave no
      ``memory.num_samples`` (before ``--resume`` loads a checkpoint into it).
    - ``before_train``: checks that the memory matches the training set (N) and the head (C).
    - ``before_train_epoch``: sets ``alpha_t = alpha_T * (epoch + 1) / max_epochs`` and, with
      ``source='snapshot'``, freezes the current weights (the end of epoch t-1) as the teacher.
    - ``after_load_checkpoint`` (``--resume``): refuses a checkpoint that has no PS-KD state, and
      in snapshot mode one saved inside an epoch (the snapshot itself is not checkpointed).
    """
    priority = 'NORMAL'

    @staticmethod
    def _algorithm(runner):
        model = unwrap_model(runner.model)
        if not isinstance(model, PSKD):
            raise TypeError(f'PSKDHook: runner.model is {type(model).__name__}, not PSKD')
        return model

    def before_run(self, runner):
        model = self._algorithm(runner)
        if model.source == 'memory' and model.memory is None:
            model.build_memory(len(runner.train_dataloader.dataset))

    def before_train(self, runner):
        model = self._algorithm(runner)
        if model.source != 'memory':
            return
        n = len(runner.train_dataloader.dataset)
        if model.memory.num_samples != n:
            raise ValueError(f'PSKD: memory.num_samples={model.memory.num_samples} but the '
                             f'training set has {n} samples; set memory.num_samples={n} or '
                             f'leave it out (the memory then sizes itself)')

    def before_train_epoch(self, runner):
        model = self._algorithm(runner)
        alpha = model.set_alpha(runner.epoch, runner.max_epochs)
        runner.message_hub.update_scalar('train/alpha_t', alpha)
        if model.source == 'snapshot' and runner.epoch > 0:
            model.update_snapshot()

    def after_load_checkpoint(self, runner, checkpoint):
        keys = checkpoint.get('state_dict', {})
        model = self._algorithm(runner)
        needed = ['alpha_t'] + (['memory.written'] if model.source == 'memory' else [])
        missing = [k for k in needed if k not in keys]
        if missing:
            raise KeyError(f'PSKD: the checkpoint has no PS-KD state {missing}: resume needs a '
                           'checkpoint saved by a PS-KD run (use load_from without resume to '
                           'start PS-KD from plain weights)')
        it = checkpoint.get('meta', {}).get('iter')
        if model.source == 'snapshot' and it is not None \
                and it % len(runner.train_dataloader) != 0:
            raise ValueError(
                f"PSKD: source='snapshot' cannot resume from iteration {it}, inside an epoch: the "
                'snapshot (last epoch\'s model) is not saved in checkpoints; resume from an '
                'end-of-epoch checkpoint (CheckpointHook by_epoch=True)')
