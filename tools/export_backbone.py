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
import mmkd_plugins  # noqa: F401  (checkpoint allow-list, registries)
from mmkd_plugins.export import export_backbone, summarise_dropped
from mmkd_plugins.cli import ArgumentParser, checkpoint_path, existing_file, positive_int, run

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
