"""KDCL students vs the same architecture trained alone, on real Fashion-MNIST: top-1 (%) mean +-
std over seeds. Both students are resnet20, so one independent resnet20 run per seed is the twin
of each. ``--n-train``/``--epochs`` shrink the protocol as in bench_pskd_fmnist.py.

    python benchmarks/bench_kdcl_fmnist.py [--seeds 0 1 2] [--n-train 60000] [--epochs 3]
        [--ensembles MinLogit Naive Linear]
"""
import argparse
import os.path as osp
import statistics
import sys
import tempfile
import time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from fmnist_runs import train_and_test  # noqa: E402

TWIN = 'configs/baseline/resnet20_fashion-mnist.py'
KDCL = 'configs/kdcl/kdcl_2xresnet8_1xb128_fashion-mnist-5k_{}.py'


def fmt(vals):
    std = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return f'{statistics.mean(vals):.2f} ± {std:.2f}'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--n-train', type=int, default=60000)
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--ensembles', nargs='+', default=['MinLogit'],
                        choices=['MinLogit', 'Naive', 'Linear'])
    args = parser.parse_args()
    rows = {'resnet20 alone': []}
    rows.update({f'KDCL-{e} student {i}': [] for e in args.ensembles for i in (0, 1)})
    rows.update({f'KDCL-{e} ensemble': [] for e in args.ensembles})
    t0 = time.time()
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            twin = train_and_test(TWIN, seed, args.n_train, args.epochs, tmp)['accuracy/top1']
        rows['resnet20 alone'].append(twin)
        print(f'seed {seed} resnet20 alone {twin:.2f}', flush=True)
        for e in args.ensembles:
            with tempfile.TemporaryDirectory() as tmp:
                m = train_and_test(KDCL.format(e.lower()), seed, args.n_train, args.epochs, tmp)
            for i in (0, 1):
                rows[f'KDCL-{e} student {i}'].append(m[f'kdcl/student{i}/top1'])
            rows[f'KDCL-{e} ensemble'].append(m['kdcl/ensemble/top1'])
            print(f'seed {seed} KDCL-{e} ' + '  '.join(
                f'{k} {v:.2f}' for k, v in m.items() if k.startswith('kdcl/')), flush=True)
    print(f'\nFashion-MNIST test set (10k), {args.n_train} train images, {args.epochs} epochs, '
          f'seeds {args.seeds}, {time.time() - t0:.0f} s in all')
    print('| model | top-1 (%) |\n|---|---|')
    for name, vals in rows.items():
        print(f'| {name} | {fmt(vals)} |')


if __name__ == '__main__':
    main()
