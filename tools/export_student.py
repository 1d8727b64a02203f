"""Export one network of a distillation checkpoint as a plain mmpretrain checkpoint.

    python tools/export_student.py CKPT OUT [--student N]

Keeps only that network's weights (no teacher, no other students, no ensemble, no PS-KD memory,
no optimizer), with the keys of a plain ``ImageClassifier`` (``backbone.*``, ``neck.*``,
``head.*``), so ``load_from=OUT`` or ``init_cfg=dict(type='Pretrained', checkpoint=OUT)`` load it
without the algorithm. Understands KDCL (``students.N.``), PS-KD and mmrazor distillers
(``architecture.``) and plain classifiers. Prints what it kept and what it dropped.
"""

import mmkd_plugins  # noqa: F401  (allow-lists mmengine checkpoint contents for weights_only)
from mmkd_plugins.export import export_student, select_network, summarise_dropped
from mmkd_plugins.cli import ArgumentParser, checkpoint_path, run

select = select_network  # kept for callers of the first version


def main():
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', type=checkpoint_path, help='trained checkpoint')
    parser.add_argument('out', help='where to write the classifier checkpoint')
    parser.add_argument('--student', type=int, default=None,
                        help='which student of a multi-student checkpoint (KDCL)')
    args = parser.parse_args()
    kept, dropped = export_student(args.checkpoint, args.out, args.student)
    groups = summarise_dropped(dropped)
    print(f'wrote {args.out}: {len(kept)} tensors kept; dropped '
          f'{dict(groups) if groups else "nothing"}; optimizer and message hub not copied')


if __name__ == '__main__':
    run(main)
