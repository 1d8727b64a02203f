"""Why did distillation (not) help? A short diagnosis of a run, and one figure.

    python tools/analysis/distill_report.py RUN_DIR [--baseline RUN_DIR] [--out report.png]

RUN_DIR is a work dir of a run that logged ``DistillDiagnosticsHook`` (every protocol config
does); ``--baseline`` the same network trained alone, e.g. ``tools/train.py CONFIG
--distill-off``. It prints the last numbers of both and the rules that fire, each with the
evidence it rests on, and draws fit, target quality, loss shares and gradient ratio over
training, run against baseline. The rules, their thresholds and their evidence:
``mmkd_plugins/evaluation/distill_report.py``:

- slower_fit: the student fits its training images >= 1 pt less than the baseline and tests
  lower -> the distillation term slows fitting (our 40-epoch table: Δtest ≈ 0.92 · Δtrain,
  r = 0.94, 35 runs);
- wrong_target: the target is wrong on > 10 % of the training images (ESKD (b) seed 1: an
  epoch-20 teacher at 77.5 %, copied by its student);
- dominant_gradient: the distillation gradient at the logits > 3x the CE's (median, second half);
- over_confident: mean confidence > training top-1 + 3 pt (the KD rows: ECE 3.22 against 0.78).
"""
import argparse
import os.path as osp

from mmkd_plugins.cli import ArgumentParser, run
from mmkd_plugins.evaluation.distill_report import (curve, read_run, student_of, summary,
                                                    test_top1)


def run_dir(path):
    """argparse type: an existing directory or scalars.json."""
    if not osp.exists(path):
        raise argparse.ArgumentTypeError(f'{path}: no such run directory')
    return path


def figure(run_, baseline, out):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    runs = [('run', run_, '-')] + ([('baseline', baseline, '--')] if baseline else [])
    for name, r, style in runs:
        s = student_of(r)
        x, y = zip(*curve(r['val'], f'diag/{s}/fit_top1'))
        axes[0].plot(x, y, style, color='C0', label=f'{name}: training images')
        tk = next(k for k in ('kdcl/student0/top1', 'accuracy/top1') if k in r['val'][-1])
        x, y = zip(*curve(r['val'], tk))
        axes[0].plot(x, y, style, color='C1', label=f'{name}: test ({test_top1(r):.2f})')
        for key, colour in (('target_top1', 'C2'), ('agreement', 'C3')):
            pts = curve(r['val'], f'diag/{s}/{key}')
            if pts:
                axes[1].plot(*zip(*pts), style, color=colour, label=f'{name}: {key}')
    s = student_of(run_)
    shares = sorted({k for row in run_['train'] for k in row if k.startswith('diag/share/')})
    for i, key in enumerate(shares):
        axes[2].plot(*zip(*curve(run_['train'], key)), color=f'C{i}',
                     label=key[len('diag/share/'):])
    ratio = curve(run_['train'], f'diag/grad_ratio/{s}')
    if ratio:
        axes[3].plot(*zip(*ratio), color='C4')
    titles = (f'{s}: top-1 (%) per validation', 'target top-1 / agreement (%)',
              'loss shares per iteration (run)', 'distill / CE gradient norm at the logits')
    for ax, title in zip(axes, titles):
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
    axes[0].set_xlabel('epoch', fontsize=7)
    axes[1].set_xlabel('epoch', fontsize=7)
    axes[2].set_xlabel('iteration', fontsize=7)
    axes[3].set_xlabel('iteration', fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def main(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('run_dir', type=run_dir, help='the work dir of the distillation run')
    p.add_argument('--baseline', type=run_dir,
                   help='the work dir of its baseline (the network alone, or --distill-off)')
    p.add_argument('--out', default='distill_report.png', help='the figure (PNG)')
    args = p.parse_args(argv)
    run_ = read_run(args.run_dir)
    baseline = read_run(args.baseline) if args.baseline else None
    text, _ = summary(run_, baseline)
    print(text)
    figure(run_, baseline, args.out)
    print(f'figure: {args.out}')
    return 0


if __name__ == '__main__':
    run(main)
