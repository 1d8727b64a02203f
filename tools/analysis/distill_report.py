"""Did distillation help, and why not? A verdict with its interval, the held-out evidence, the
causes, and one figure.

    python tools/analysis/distill_report.py RUN [RUN ...] --baseline CONTROL [CONTROL ...]
        [--teacher TEACHER ... [--teacher-epoch E]] [--noise noise.json] [--out report.png]

RUN and CONTROL are work dirs of runs that logged ``DistillDiagnosticsHook`` (every protocol
config does) or result files of the accuracy table
(``benchmarks/accuracy/results/<protocol>/<row>/seed<k>.json``); CONTROL is the same network
trained alone, or ``tools/train.py CONFIG --distill-off``. Several of each are paired by seed:
the verdict (helped / hurt / within noise on test top-1; better / worse on ECE and NLL) is their
mean difference with its 95 % interval; one pair is judged against the noise floor of its
protocol's committed seeds (``noise.json``, found from the run; ``--noise`` to give one). Then
why: the test change split into fit and generalisation gap, the target on held-out images
against the student alone (``--teacher``: the teacher's result files or work dirs, for result
files; ``--teacher-epoch``: a middle-epoch teacher), fidelity, and the causes that fire
(slower_fit, wider_gap, weak_target). The rules, their thresholds and their evidence:
``mmkd_plugins/evaluation/distill_report.py``.
"""
import argparse
import os.path as osp

from mmkd_plugins.cli import ArgumentParser, run
from mmkd_plugins.evaluation.distill_report import (diagnose, load, pair, read_noise, summary,
                                                    teacher_top1)


def existing(path):
    """argparse type: an existing work dir or file."""
    if not osp.exists(path):
        raise argparse.ArgumentTypeError(f'{path}: no such run directory or result file')
    return path


def figure(pairs, report, out):
    """Top-1 curves of the first pair; the paired differences per seed with the verdict's
    interval; the target and fidelity curves and the gradient ratio where the run logged them."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    run_, base = pairs[0]
    s = 'student' if any(k.startswith('student/') for k in run_['diag']) else 'student0'
    targets = [(key, colour) for key, colour in ((f'{s}/target_top1', 'C2'),
                                                  (f'{s}/agreement', 'C3'),
                                                  (f'heldout/{s}/target_top1', 'C4'),
                                                  (f'heldout/{s}/agreement', 'C5'))
               if any(key in h for h in run_['history'])]
    ratio = [(row['step'], row[f'diag/grad_ratio/{s}']) for row in run_['train']
             if f'diag/grad_ratio/{s}' in row]
    panels = 2 + bool(targets) + bool(ratio)
    fig, axes = plt.subplots(1, panels, figsize=(4.3 * panels, 3.6))
    ax = axes[0]
    for name, r, style in (('run', run_, '-'), ('baseline', base, '--')):
        if r['fit_curve']:
            ax.plot(*zip(*r['fit_curve']), style, color='C0', label=f'{name}: training fit')
        ax.plot(*zip(*r['test_curve']), style, color='C1',
                label=f'{name}: test ({r["metrics"]["top1"]:.2f})')
    ax.set_title(f'{s}: top-1 (%) per validation, seed {run_["seed"]}', fontsize=9)
    ax.set_xlabel('epoch', fontsize=7)
    ax = axes[1]
    seeds = [r['seed'] for r, _ in pairs]
    x = range(len(pairs))
    for i, (label, value, colour) in enumerate((
            ('Δ test', lambda r, b: r['metrics']['top1'] - b['metrics']['top1'], 'C1'),
            ('Δ training fit', lambda r, b: r['fit'] - b['fit'], 'C0'),
            ('Δ gap', lambda r, b: (r['fit'] - b['fit'])
             - (r['metrics']['top1'] - b['metrics']['top1']), 'C7'))):
        ax.bar([j + (i - 1) * 0.27 for j in x], [value(r, b) for r, b in pairs], 0.27,
               color=colour, label=label)
    v = report['verdicts']['top1']
    if v['lo'] is not None:
        ax.axhspan(v['lo'], v['hi'], color='C1', alpha=0.15,
                   label=f'Δ test: {v["word"]} ({v["basis"].split(";")[0]})')
    ax.axhline(0, color='k', lw=0.6)
    ax.set_xticks(list(x), [f'seed {s_}' for s_ in seeds], fontsize=7)
    ax.set_title('run − baseline (pt), per seed', fontsize=9)
    k = 2
    if targets:
        for key, colour in targets:
            axes[k].plot(*zip(*[(h['epoch'], h[key]) for h in run_['history'] if key in h]),
                         color=colour, label=key)
        axes[k].set_title('target top-1 / agreement (%), run', fontsize=9)
        axes[k].set_xlabel('epoch', fontsize=7)
        k += 1
    if ratio:
        axes[k].plot(*zip(*ratio), color='C4')
        axes[k].set_title('distill / CE gradient norm at the logits', fontsize=9)
        axes[k].set_xlabel('iteration', fontsize=7)
    for ax in axes:
        ax.tick_params(labelsize=7)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def main(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('runs', nargs='+', type=existing, metavar='RUN',
                   help='work dirs or result files of the distillation run(s)')
    p.add_argument('--baseline', nargs='+', type=existing, required=True, metavar='CONTROL',
                   help='work dirs or result files of the baseline(s): the network alone, or '
                        'the --distill-off control')
    p.add_argument('--teacher', nargs='+', type=existing, default=[], metavar='TEACHER',
                   help='the teacher\'s result files or work dirs (its held-out top-1, by seed)')
    p.add_argument('--teacher-epoch', type=int,
                   help='take the teacher\'s test top-1 at this epoch (a middle-epoch teacher)')
    p.add_argument('--noise', type=existing,
                   help='noise.json of the protocol (default: found from the runs)')
    p.add_argument('--out', default='distill_report.png', help='the figure (PNG)')
    args = p.parse_args(argv)
    pairs = pair([load(r) for r in args.runs], [load(b) for b in args.baseline])
    teachers = dict(teacher_top1(t, args.teacher_epoch) for t in args.teacher)
    if len(args.teacher) == 1 and len(pairs) == 1:  # one teacher for the one run, any seed
        teachers = {pairs[0][0]['seed']: next(iter(teachers.values()))}
    noise = read_noise(args.noise or pairs[0][0]['noise'])
    if len(pairs) == 1 and not noise and args.noise is None:
        print('(no noise.json for this protocol: one pair gets no verdict; --noise FILE)')
    report = diagnose(pairs, noise, teachers)
    print(summary(pairs, report))
    figure(pairs, report, args.out)
    print(f'figure: {args.out}')
    return 0


if __name__ == '__main__':
    run(main)  # a ReportError (a ValueError) is one line and exit 1
