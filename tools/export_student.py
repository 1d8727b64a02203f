"""Export one network of a distillation checkpoint as a plain mmpretrain checkpoint.

    python tools/export_student.py CKPT OUT [--student N]

Keeps only that network's weights (no teacher, no other students, no ensemble, no PS-KD memory,
no optimizer), with the keys of a plain ``ImageClassifier`` (``backbone.*``, ``neck.*``,
``head.*``), so ``load_from=OUT`` or ``init_cfg=dict(type='Pretrained', checkpoint=OUT)`` load it
without the algorithm. Understands KDCL (``students.N.``), PS-KD and mmrazor distillers
(``architecture.``) and plain classifiers. Prints what it kept and what it dropped.
"""
import argparse
from collections import Counter

import torch

import mmkd_plugins  # noqa: F401  (allow-lists mmengine checkpoint contents for weights_only)


def select(state_dict, student=None):
    """(kept, dropped) state dicts: the chosen network's weights with its prefix removed."""
    keys = list(state_dict)
    if any(k.startswith('students.') for k in keys):
        n_students = len({k.split('.')[1] for k in keys if k.startswith('students.')})
        if student is None:
            raise ValueError(f'the checkpoint holds {n_students} students (KDCL): choose one '
                             f'with --student 0..{n_students - 1}')
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
        prefix = ''
    else:
        raise KeyError('no classifier found: expected keys under students.N., architecture. or '
                       f'backbone.; first keys are {keys[:5]}')
    kept = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
    dropped = {k: v for k, v in state_dict.items() if not k.startswith(prefix)}
    if not kept:
        raise KeyError(f'nothing under {prefix!r} in the checkpoint')
    return kept, dropped


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint')
    parser.add_argument('out')
    parser.add_argument('--student', type=int, default=None,
                        help='which student of a multi-student checkpoint (KDCL)')
    args = parser.parse_args()
    ckpt = torch.load(args.checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    kept, dropped = select(state, args.student)
    meta = {k: v for k, v in ckpt.get('meta', {}).items() if k in ('dataset_meta', 'epoch',
                                                                  'iter', 'mmengine_version')}
    torch.save({'state_dict': kept, 'meta': dict(meta, exported_from=args.checkpoint)}, args.out)
    groups = Counter(k.split('.')[0] + ('.' + k.split('.')[1] if k.startswith('students.') else '')
                     for k in dropped)
    print(f'wrote {args.out}: {len(kept)} tensors kept; dropped '
          f'{dict(groups) if groups else "nothing"}; optimizer and message hub not copied')


if __name__ == '__main__':
    main()
