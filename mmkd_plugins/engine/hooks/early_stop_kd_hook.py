"""Early-stopped knowledge distillation (Cho & Hariharan, "On the Efficacy of Knowledge
Distillation", ICCV 2019, Sec. 5): distil for the first ``stop_epoch`` epochs, then train on the
task loss alone.

mmrazor's ``StopDistillHook`` does the switching (it sets ``distillation_stopped`` on the
algorithm at the start of epoch ``stop_epoch``; ``SingleTeacherDistill`` then skips its distill
losses). This subclass refuses what it would silently accept: a stop epoch outside
[1, max_epochs), or a model that has no distillation to stop. It also re-applies the switch after
a resume from a later epoch (the flag is not part of the checkpoint).
"""
from mmengine.model import is_model_wrapper
from mmrazor.engine.hooks import StopDistillHook
from mmrazor.registry import HOOKS


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
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not hasattr(model, 'distillation_stopped'):
            raise TypeError(f'EarlyStopKDHook: {type(model).__name__} has no '
                            f'`distillation_stopped` switch; use it with a teacher-student '
                            f'algorithm (TeacherDistill / SingleTeacherDistill)')
