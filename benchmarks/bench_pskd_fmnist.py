"""Baseline vs PS-KD on real Fashion-MNIST: top-1, ECE, AURC, E-AURC, NLL, mean +- std over seeds.

Both runs use the same resnet20, data, schedule and seeds; only the loss differs. By default the
full baseline schedule (60k images, 3 epochs: ~10 min per run on 2 CPU cores); ``--n-train`` and
``--epochs`` shrink it (the README says which protocol its table used).

    python benchmarks/bench_pskd_fmnist.py [--seeds 0 1 2] [--n-train 60000] [--epochs 3]
"""
import argparse
import os.path as osp
import statistics
import sys
import tempfile
import time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from fmnist_runs import train_and_test  # noqa: E402

CONFIGS = {
    'baseline': 'configs/baseline/resnet20_fashion-mnist.py',
    'PS-KD': 'configs/pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py',
}
METRICS = [dict(type='Accuracy', topk=(1, )), dict(type='ECE'), dict(type='AURC'),
           dict(type='EAURC'), dict(type='NLL')]
KEYS = ('accuracy/top1', 'ECE', 'AURC', 'E-AURC', 'NLL')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--n-train', type=int, default=60000)
    parser.add_argument('--epochs', type=int, default=3)
    args = parser.parse_args()
    results = {name: [] for name in CONFIGS}
    t0 = time.time()
    for seed in args.seeds:
        for name in CONFIGS:  # interleaved, so both see the same machine state
            with tempfile.TemporaryDirectory() as tmp:
                m = train_and_test(CONFIGS[name], seed, args.n_train, args.epochs, tmp,
                                   METRICS)
            results[name].append(m)
            print(f'seed {seed} {name:8s} ' + '  '.join(f'{k} {m[k]:.3f}' for k in KEYS),
                  flush=True)
    print(f'\nFashion-MNIST test set (10k), resnet20, {args.n_train} train images, {args.epochs} '
          f'epochs, seeds {args.seeds}, {time.time() - t0:.0f} s in all')
    print('| method | top-1 (%) | ECE (%) | AURC (x1e3) | E-AURC (x1e3) | NLL |')
    print('|---|---|---|---|---|---|')
    for name, runs in results.items():
        cells = []
        for k in KEYS:
            vals = [r[k] for r in runs]
            std = statistics.stdev(vals) if len(vals) > 1 else 0.0
            cells.append(f'{statistics.mean(vals):.2f} ± {std:.2f}' if k != 'NLL' else
                         f'{statistics.mean(vals):.3f} ± {std:.3f}')
        print(f'| {name} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
