"""Linear CKA between representations of two models, or two parts of one, over a dataset.

Prints the CKA matrix, writes it as JSON and as a heatmap PNG::

    # IE-KD student vs its teacher, stage by stage
    python tools/analysis/cka.py CONFIG CKPT \
        --layers architecture.backbone.layer1 architecture.backbone.layer2 \
                 architecture.backbone.layer3 \
        --layers-b teacher.backbone.layer1 teacher.backbone.layer2 teacher.backbone.layer3 \
        --out work_dirs/cka.png

    # two models (e.g. a KD student against the student trained alone)
    python tools/analysis/cka.py CONFIG_A CKPT_A --config-b CONFIG_B --checkpoint-b CKPT_B \
        --layers backbone.layer3 --layers-b backbone.layer3 --out cka.png

A layer is a module name; ``NAME@BUFFER`` keeps only the channels listed in a buffer, e.g. the IE-KD
parts ``architecture.backbone.layer3@distiller.connectors.inheritance.channels``. ``--mode loss``
runs the loss path, where a distiller calls its connectors (``distiller.connectors.teacher_factor``).
"""
import json
import os
import os.path as osp

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

import mmkd_plugins  # noqa: E402,F401
from mmkd_plugins.evaluation.representation import (cka_matrix, collect_features,  # noqa: E402
                                                    load_for_analysis)
from mmkd_plugins.cli import (ArgumentParser, checkpoint_path, existing_file,  # noqa: E402
                              positive_int, run)


def parse_args(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', type=existing_file, help='the model config')
    p.add_argument('checkpoint', nargs='?', type=checkpoint_path,
                   help='its checkpoint (default: the initialised weights)')
    p.add_argument('--layers', nargs='+', required=True, help='rows: layers of model A')
    p.add_argument('--layers-b', nargs='+', help='columns (default: --layers)')
    p.add_argument('--config-b', type=existing_file, help='model B config (default: model A)')
    p.add_argument('--checkpoint-b', type=checkpoint_path, help='model B checkpoint')
    p.add_argument('--num-samples', type=positive_int, default=1000)
    p.add_argument('--mode', choices=['tensor', 'loss'], default='tensor')
    p.add_argument('--out', default='cka.png', help='heatmap PNG; the JSON goes beside it')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def short_label(layer):
    """'architecture.backbone.layer3@distiller.connectors.inheritance.channels' ->
    'student layer3 [inheritance]' (the full names go to the JSON)."""
    name, _, buffer = layer.partition('@')
    for prefix, side in (('architecture.', 'student '), ('teacher.', 'teacher ')):
        if name.startswith(prefix):
            name = side + name[len(prefix):]
    name = name.replace('backbone.', '')
    if buffer:
        name += f' [{buffer.replace("distiller.connectors.", "").replace(".channels", "")}]'
    return name


def heatmap(matrix, rows, cols, out, title):
    rows, cols = [short_label(r) for r in rows], [short_label(c) for c in cols]
    fig, ax = plt.subplots(figsize=(2.5 + 0.08 * max(map(len, rows)) + 1.1 * len(cols),
                                    1.8 + 0.6 * len(rows)))
    im = ax.imshow(matrix.numpy(), vmin=0, vmax=1, cmap='magma')
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha='right', fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    for i in range(len(rows)):
        for j in range(len(cols)):
            v = float(matrix[i, j])
            ax.text(j, i, f'{v:.2f}', ha='center', va='center',
                    color='black' if v > 0.6 else 'white', fontsize=8)
    fig.colorbar(im, ax=ax, label='linear CKA')
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    cols = args.layers_b or args.layers
    model_a, loader = load_for_analysis(args.config, args.checkpoint, args.cfg_options)
    if args.config_b:
        model_b, loader_b = load_for_analysis(args.config_b, args.checkpoint_b, args.cfg_options)
        feats_a = collect_features(model_a, loader, args.layers, args.num_samples, args.mode,
                                   progress=True)
        feats_b = collect_features(model_b, loader_b, cols, args.num_samples, args.mode,
                                   progress=True)
    else:
        feats = collect_features(model_a, loader, list(dict.fromkeys(args.layers + cols)),
                                 args.num_samples, args.mode, progress=True)
        feats_a, feats_b = feats, feats
    matrix = cka_matrix([feats_a[r] for r in args.layers], [feats_b[c] for c in cols])
    n = len(next(iter(feats_a.values())))
    print(f'linear CKA over {n} examples (rows: {args.config}; columns: '
          f'{args.config_b or args.config})')
    for r, row in zip(args.layers, matrix):
        print(f'  {r:60s} ' + ' '.join(f'{v:.3f}' for v in row.tolist()))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    heatmap(matrix, args.layers, cols, args.out, f'linear CKA, {n} examples')
    with open(osp.splitext(args.out)[0] + '.json', 'w') as f:
        json.dump(dict(rows=args.layers, cols=cols, num_samples=n, cka=matrix.tolist()), f,
                  indent=1)
    print(f'heatmap: {args.out}')
    return matrix


if __name__ == '__main__':
    run(main)
