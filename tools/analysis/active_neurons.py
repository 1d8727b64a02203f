"""Number of active neurons (channels) of feature maps over a dataset (IE-KD, Sec. 4.4).

A channel is active when its mean activation over the data exceeds ``--threshold``. For an IE-KD
stage-2 checkpoint, teacher vs the student's inheritance and exploration parts::

    python tools/analysis/active_neurons.py CONFIG CKPT --layers \
        teacher.backbone.layer3 \
        architecture.backbone.layer3@distiller.connectors.inheritance.channels \
        architecture.backbone.layer3@distiller.connectors.exploration.channels
"""
import json

from mmengine.config import DictAction

import mmkd_plugins  # noqa: F401
from mmkd_plugins.evaluation.representation import (channel_activity, collect_features,
                                                    load_for_analysis)
from mmkd_plugins.cli import ArgumentParser, checkpoint_path, existing_file, positive_int, run


def parse_args(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', type=existing_file, help='the model config')
    p.add_argument('checkpoint', nargs='?', type=checkpoint_path,
                   help='its checkpoint (default: the initialised weights)')
    p.add_argument('--layers', nargs='+', required=True)
    p.add_argument('--threshold', type=float, default=0.0)
    p.add_argument('--num-samples', type=positive_int, default=1000)
    p.add_argument('--mode', choices=['tensor', 'loss'], default='tensor')
    p.add_argument('--out', help='JSON file for the counts')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model, loader = load_for_analysis(args.config, args.checkpoint, args.cfg_options)
    feats = collect_features(model, loader, args.layers, args.num_samples, args.mode,
                             progress=True)
    result = {}
    for layer in args.layers:
        act = channel_activity(feats[layer])
        result[layer] = dict(active=int((act > args.threshold).sum()), channels=len(act),
                             mean_activation=float(act.mean()))
        print(f'{layer}: {result[layer]["active"]} / {len(act)} channels active '
              f'(mean activation > {args.threshold})')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(threshold=args.threshold, layers=result), f, indent=1)
    return result


if __name__ == '__main__':
    run(main)
