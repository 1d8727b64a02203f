"""Early-stopped knowledge distillation (Cho & Hariharan, "On the Efficacy of Knowledge
Distillation", ICCV 2019, Sec. 5): distil for the first ``stop_epoch`` epochs, then train on the
task loss alone.

mmrazor's ``StopDistillHook`` does the switching (it sets ``distillation_stopped`` on the
algorithm at the start of epoch ``stop_epoch``; ``SingleTeacherDistill`` then skips its distill
losses). This subclass refuses what it would silently accept: a stop epoch outside
[1, max_epochs), or a model that has no distillation to stop. It also re-applies the switch after
a resume from a later epoch (the flag is not part of the checkpoint).
"""
import warnings

from mmengine.registry import HOOKS
from mmrazor.engine.hooks import StopDistillHook
from mmrazor.models.algorithms import SingleTeacherDistill
from mmrazor.registry import HOOKS as MMRAZOR_HOOKS

from ...utils import unwrap_model


@HOOKS.register_module()
class EarlyStopKDHook(StopDistillHook):
    """Stop the distillation losses from epoch ``stop_epoch`` (0-based, as ``runner.epoch``).

    Args:
        stop_epoch (int): The first epoch trained without distillation, 1 <= stop_epoch <
            max_epochs.
    """

    def __init__(self, stop_epoch):
        if not isinstance(stop_epoch, int) or stop_epoch < 1:
            raise ValueError(f'EarlyStopKDHook: stop_epoch={stop_epoch!r} must be an int >= 1')
        super().__init__(stop_epoch)

    def before_train(self, runner):
        if self.stop_epoch >= runner.max_epochs:
            raise ValueError(f'EarlyStopKDHook: stop_epoch={self.stop_epoch} is not before '
                             f'max_epochs={runner.max_epochs}; distillation would never stop')
        model = unwrap_model(runner.model)
        if not isinstance(model, SingleTeacherDistill):
            raise TypeError(f'EarlyStopKDHook: {type(model).__name__} has no '
                            f'`distillation_stopped` switch; use it with a teacher-student '
                            f'algorithm (TeacherDistill / SingleTeacherDistill)')


@MMRAZOR_HOOKS.register_module('EarlyStopKDHook')
def _early_stop_kd_hook_old_spelling(**kwargs):
    """The spelling of earlier configs, ``type='mmrazor.EarlyStopKDHook'``: still builds the
    hook, and says how to write it now."""
    warnings.warn("type='mmrazor.EarlyStopKDHook' is the old spelling: EarlyStopKDHook is in "
                  "mmengine's root HOOKS like every mmkd-plugins hook; write "
                  "type='EarlyStopKDHook'", DeprecationWarning, stacklevel=2)
    return EarlyStopKDHook(**kwargs)
