"""Export the backbone of any trained classifier here as an mmdet-loadable checkpoint.

    python tools/export_backbone.py CKPT OUT [--student N] [--detector-config CFG | --depth D]

Picks one network out of the checkpoint (a plain classifier, PS-KD / IE-KD / KD ``architecture.``,
KDCL / DML ``students.N.``), keeps only its ``backbone.*`` weights (no teacher, no other
students, no encoders, no memory, no neck/head, no optimizer) and writes them under the prefix
``backbone.``, so that a detector config loads them with

    model = dict(backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=OUT,
                                             prefix='backbone.')))

Before writing, the keys and shapes are checked against the detector's backbone (built from
``--detector-config``'s ``model.backbone``, or ``mmdet.ResNet`` of ``--depth``, or of the depth
read from the checkpoint): any missing key, unexpected key or shape mismatch is an error that
names them. The student-only *classifier* checkpoint is tools/export_student.py.
"""
import re

import torch

import mmkd_plugins  # noqa: F401  (checkpoint allow-list, registries)
from mmkd_plugins.export import (load_state_dict, select_network, state_dict_mismatch,
                                 summarise_dropped)
from mmkd_plugins.cli import ArgumentParser, checkpoint_path, existing_file, positive_int, run

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


def main(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('checkpoint', type=checkpoint_path, help='trained checkpoint')
    p.add_argument('out', help='where to write the backbone checkpoint')
    p.add_argument('--student', type=int, metavar='N',
                   help='which student of a KDCL/DML checkpoint')
    p.add_argument('--prefix', default='backbone.', help="the backbone's key prefix in the "
                   'chosen network (default backbone.)')
    p.add_argument('--detector-config', type=existing_file,
                   help='check against this detector config\'s backbone')
    p.add_argument('--depth', type=positive_int, help='check against mmdet ResNet of this depth')
    a = p.parse_args(argv)
    kept, dropped, cfg = export_backbone(a.checkpoint, a.out, a.student, a.prefix,
                                         a.detector_config, a.depth)
    print(f'wrote {a.out}: {len(kept)} backbone tensors under backbone.; checked against '
          f'{cfg} (0 missing, 0 unexpected, shapes equal); dropped '
          f'{summarise_dropped(dropped) or "nothing"}; optimizer not copied')


if __name__ == '__main__':
    run(main)
