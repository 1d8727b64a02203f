"""Train and evaluate in the channels-last memory format (NHWC), the fast CPU path for the small
CIFAR ResNets (the measured speed-up: ``benchmarks/speed/README.md``).

The hook converts every parameter and buffer of the model (students, teachers, connectors) and
the optimiser's state tensors in place once training starts -- after the weights are initialised
and a checkpoint is resumed, so both draw and load exactly what an NCHW run does (random init
writes memory in order, so initialising a channels-last tensor would give other weights) -- and
makes the data preprocessor's output channels-last, for training and validation alike. Only the
memory layout changes, not the values: a run gives the same losses within float rounding (tested).
"""
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...utils import unwrap_model


def to_channels_last(x):
    """4-D tensors (or lists/tuples of them, e.g. MultiView views) to channels-last."""
    if isinstance(x, torch.Tensor):
        return x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x
    if isinstance(x, (list, tuple)):
        return type(x)(to_channels_last(v) for v in x)
    return x


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Put the model and its inputs in ``torch.channels_last``.

    Register it in ``default_hooks`` (so configs that set ``custom_hooks`` keep it)::

        default_hooks = dict(channels_last=dict(type='ChannelsLastHook'))
    """

    priority = 'VERY_HIGH'

    def __init__(self):
        self._handle = None

    def _apply(self, runner):
        if self._handle is not None:
            return
        model = unwrap_model(runner.model)
        model.to(memory_format=torch.channels_last)  # in place: same Parameter objects
        self._handle = model.data_preprocessor.register_forward_hook(self._convert)
        optim_wrapper = getattr(runner, 'optim_wrapper', None)
        optimizers = getattr(optim_wrapper, 'optim_wrappers', {'': optim_wrapper}).values()
        for wrapper in optimizers:
            for state in getattr(getattr(wrapper, 'optimizer', None), 'state', {}).values():
                for k, v in state.items():
                    if isinstance(v, torch.Tensor) and v.dim() == 4:
                        state[k] = v.contiguous(memory_format=torch.channels_last)

    def before_train(self, runner):
        self._apply(runner)

    def before_val(self, runner):  # evaluation-only runs (tools/test.py)
        self._apply(runner)

    def before_test(self, runner):
        self._apply(runner)

    @staticmethod
    def _convert(module, args, output):
        if isinstance(output, dict) and 'inputs' in output:
            output['inputs'] = to_channels_last(output['inputs'])
        return output

    def after_run(self, runner):
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
