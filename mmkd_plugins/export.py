"""Take one network out of a training checkpoint: as a plain classifier (tools/export_student.py,
the TAKD chain in tools/takd_chain.py) or as an mmdet-loadable backbone (tools/export_backbone.py,
tools/demo_detection.py)."""
import re
from collections import Counter

import torch

from .utils import state_dict_mismatch


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


RESNET_BLOCKS = {(2, 2, 2, 2): 18, (3, 4, 6, 3): 34, (3, 4, 23, 3): 101, (3, 8, 36, 3): 152}


def infer_resnet(backbone_state):
    """dict(type='mmdet.ResNet', depth=D) from the keys of an (ImageNet-style) ResNet."""
    blocks = []
    for stage in range(1, 5):
        ids = {int(m.group(1)) for k in backbone_state
               for m in [re.match(rf'layer{stage}\.(\d+)\.', k)] if m}
        blocks.append(max(ids) + 1 if ids else 0)
    bottleneck = any('.conv3.' in k for k in backbone_state)
    blocks = tuple(blocks)
    depth = 50 if bottleneck and blocks == (3, 4, 6, 3) else RESNET_BLOCKS.get(blocks)
    if depth is None or 0 in blocks:
        raise ValueError(f'cannot read a ResNet depth from the checkpoint (blocks per stage '
                         f'{blocks}); pass --detector-config or --depth')
    return dict(type='mmdet.ResNet', depth=depth)


def build_detector_backbone(backbone_cfg):
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope
    cfg = dict(backbone_cfg)
    cfg.pop('init_cfg', None)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(cfg)


def check_against(backbone, state):
    """Raise a ValueError naming every missing/unexpected key and shape mismatch."""
    missing, unexpected, shapes = state_dict_mismatch(backbone.state_dict(), state)
    if missing or unexpected or shapes:
        raise ValueError(
            'the exported backbone does not fit the detector backbone '
            f'({type(backbone).__name__}'
            f'{"-" + str(backbone.depth) if hasattr(backbone, "depth") else ""}): '
            f'{len(missing)} missing {missing[:8]}, {len(unexpected)} unexpected '
            f'{unexpected[:8]}, {len(shapes)} shape mismatches {shapes[:4]} '
            '(a depth mismatch between checkpoint and detector?)')


def export_backbone(checkpoint, out, student=None, prefix='backbone.', detector_config=None,
                    depth=None):
    """Write the backbone; returns (kept backbone state, dropped state, detector backbone cfg)."""
    state, meta = load_state_dict(checkpoint)
    network, dropped = select_network(state, student)
    backbone = {k[len(prefix):]: v for k, v in network.items() if k.startswith(prefix)}
    if not backbone:
        raise KeyError(f'--prefix {prefix!r} matches no key of the chosen network; its keys '
                       f'start with {sorted({k.split(".")[0] for k in network})}')
    dropped.update({k: v for k, v in network.items() if not k.startswith(prefix)})
    if detector_config:
        from mmengine.config import Config
        backbone_cfg = Config.fromfile(detector_config).model.backbone.to_dict()
    elif depth:
        backbone_cfg = dict(type='mmdet.ResNet', depth=depth)
    else:
        backbone_cfg = infer_resnet(backbone)
    check_against(build_detector_backbone(backbone_cfg), backbone)
    meta = {k: v for k, v in meta.items() if k in ('epoch', 'iter', 'mmengine_version')}
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in backbone.items()},
                'meta': dict(meta, exported_from=str(checkpoint), student=student)}, out)
    return backbone, dropped, backbone_cfg
