"""Take one network out of a training checkpoint (used by tools/export_student.py,
tools/export_backbone.py and the TAKD chain in tools/takd_chain.py)."""
from collections import Counter

import torch


def select_network(state_dict, student=None):
    """(kept, dropped) state dicts: the chosen network's weights with its prefix removed.

    Understands KDCL/DML (``students.N.``), PS-KD, IE-KD stage 1 and mmrazor distillers
    (``architecture.``) and plain classifiers (``backbone.``).
    """
    keys = list(state_dict)
    if any(k.startswith('students.') for k in keys):
        n_students = len({k.split('.')[1] for k in keys if k.startswith('students.')})
        if student is None:
            raise ValueError(f'the checkpoint holds {n_students} students (KDCL/DML): choose '
                             f'one with --student 0..{n_students - 1}')
        prefix = f'students.{student}.'
        if not any(k.startswith(prefix) for k in keys):
            raise KeyError(f'--student {student}: no key starts with {prefix!r}; the checkpoint '
                           f'holds students 0..{n_students - 1}')
    elif any(k.startswith('architecture.') for k in keys):
        if student not in (None, 0):
            raise ValueError(f'--student {student}: this checkpoint holds one student '
                             '(architecture.*)')
        prefix = 'architecture.'
    elif any(k.startswith('backbone.') for k in keys):
        if student not in (None, 0):
            raise ValueError(f'--student {student}: this is a plain classifier checkpoint')
        prefix = ''
    else:
        raise KeyError('no classifier found: expected keys under students.N., architecture. or '
                       f'backbone.; first keys are {keys[:5]}')
    kept = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    dropped = {k: v for k, v in state_dict.items() if not k.startswith(prefix)}
    return kept, dropped


def load_state_dict(path):
    """(state_dict, meta) of a checkpoint file (mmengine's or a bare state dict)."""
    ckpt = torch.load(path, map_location='cpu')
    if not isinstance(ckpt, dict):
        raise TypeError(f'{path}: not a checkpoint (a {type(ckpt).__name__})')
    return ckpt.get('state_dict', ckpt), ckpt.get('meta', {})


def summarise_dropped(dropped):
    """{'teacher': n, 'students.1': n, 'distiller': n, ...} of the dropped keys."""
    return dict(Counter(k.split('.')[0] + ('.' + k.split('.')[1] if k.startswith('students.')
                                           else '') for k in dropped))


def export_student(checkpoint, out, student=None):
    """Write the chosen network of ``checkpoint`` as a plain classifier checkpoint at ``out``.

    Returns (kept, dropped)."""
    state, meta = load_state_dict(checkpoint)
    kept, dropped = select_network(state, student)
    meta = {k: v for k, v in meta.items()
            if k in ('dataset_meta', 'epoch', 'iter', 'mmengine_version')}
    torch.save({'state_dict': kept, 'meta': dict(meta, exported_from=str(checkpoint))}, out)
    return kept, dropped


def state_dict_mismatch(expected, given):
    """(missing, unexpected, shape mismatches) of ``given`` against ``expected`` (state dicts)."""
    missing = sorted(set(expected) - set(given))
    unexpected = sorted(set(given) - set(expected))
    shapes = [f'{k}: checkpoint {tuple(given[k].shape)} vs model {tuple(expected[k].shape)}'
              for k in expected if k in given and given[k].shape != expected[k].shape]
    return missing, unexpected, shapes
