"""Small helpers that several floors of the package share (hooks, metrics, algorithms, export).

Imports only torch and mmengine, so every other module may import it.
"""
import contextlib

import torch
from mmengine.model import is_model_wrapper


def unwrap_model(model):
    """The model inside a DDP / mmengine wrapper (``runner.model``), or the model itself."""
    return model.module if is_model_wrapper(model) else model


def sample_labels(data_samples, device=None):
    """The class index of each classification data sample, one long tensor (``B``).

    mmpretrain stores ``gt_label`` as a 1-element tensor (or a plain int / dict entry in a dumped
    results file); the first entry is the label.
    """
    labels = torch.cat([torch.as_tensor(s['gt_label'] if isinstance(s, dict) else s.gt_label)
                        .reshape(-1)[:1] for s in data_samples]).long()
    return labels if device is None else labels.to(device)


def state_dict_mismatch(expected, given):
    """(missing, unexpected, shape mismatches) of ``given`` against ``expected`` (state dicts)."""
    missing = sorted(set(expected) - set(given))
    unexpected = sorted(set(given) - set(expected))
    shapes = [f'{k}: checkpoint {tuple(given[k].shape)} vs model {tuple(expected[k].shape)}'
              for k in expected if k in given and given[k].shape != expected[k].shape]
    return missing, unexpected, shapes


@contextlib.contextmanager
def capture(modules):
    """Record each module's last output (``{name: tensor}``) while the block runs."""
    out, handles = {}, []
    for name, module in modules.items():
        handles.append(module.register_forward_hook(
            lambda m, args, output, name=name: out.__setitem__(name, output)))
    try:
        yield out
    finally:
        for h in handles:
            h.remove()
