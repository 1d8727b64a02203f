"""The accuracy table's report, from the committed result files only: ``results/table.md``, the
README's headline block, the figures (``docs/figures/``) and the families' model-zoo files
(:mod:`.model_zoo`)."""
import os
import os.path as osp
import statistics

from . import model_zoo
from .protocol import REPO, ROWS, load_results, metric_key


def mean_sd(vals):
    """``'mean ± std'`` over seeds; one seed has no spread: ``'x (1 seed)'``."""
    if not vals:
        return 'n/a'
    if len(vals) == 1:
        return f'{vals[0]:.2f} (1 seed)'
    return f'{statistics.mean(vals):.2f} ± {statistics.stdev(vals):.2f}'


def plateau_gain(curve):
    """Top-1 gained over the last 20 % of epochs (convergence: < 0.3 pt)."""
    k = max(1, round(0.2 * len(curve)))
    return curve[-1] - curve[-k - 1] if len(curve) > k else float('nan')


def table_text(res):
    """The markdown table of every row with results (``res`` from ``load_results``)."""
    lines = ['| method | seeds | top-1 (%) | Δ top-1 vs baseline (paired) | ECE (%) | '
             'Δ ECE (paired) | NLL | last-20 % gain (pt) | train time / resnet8 alone (seed 0) |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    # seed 0 against resnet8 alone's seed 0, when both ran on the same machine string (cores,
    # torch threads): table streams may run side by side with 1 thread each
    alone0 = res.get('alone', {}).get(0)
    for key, (label, _, kind, base, core) in ROWS.items():
        runs = res.get(key)
        if not runs:
            continue
        mk = metric_key(key)
        seeds = sorted(runs)
        top1 = [runs[s]['metrics'][mk] for s in seeds]
        ece = [runs[s]['metrics']['ECE'] for s in seeds]
        nll = [runs[s]['metrics']['NLL'] for s in seeds]
        gains = [plateau_gain(runs[s]['curve']) for s in seeds]
        dtop, dece = [], []
        if base and base in res:
            bk = metric_key(base)
            for s in seeds:
                if s in res[base]:
                    dtop.append(runs[s]['metrics'][mk] - res[base][s]['metrics'][bk])
                    dece.append(runs[s]['metrics']['ECE'] - res[base][s]['metrics']['ECE'])
        name = label + ('' if core else ' *')
        if kind == 'online':
            s1 = [runs[s]['metrics'].get('kdcl/student1/top1') for s in seeds]
            ens = [runs[s]['metrics'].get('kdcl/ensemble/top1') for s in seeds]
            if None not in s1 + ens:
                name += f'; student 1 {mean_sd(s1)}; ensemble {mean_sd(ens)}'
        rel = 'n/a'
        if alone0 and 0 in runs and runs[0]['protocol']['machine'] == alone0['protocol']['machine']:
            rel = f'{runs[0]["train_s"] / alone0["train_s"]:.2f}'
        lines.append(f'| {name} | {len(seeds)} ({",".join(map(str, seeds))}) | {mean_sd(top1)} | '
                     f'{mean_sd(dtop) if dtop else "—"} | {mean_sd(ece)} | '
                     f'{mean_sd(dece) if dece else "—"} | {mean_sd(nll)} | '
                     f'{max(gains):.2f} (max) | {rel} |')
    dates = sorted({r['protocol']['date'] for runs in res.values() for r in runs.values()})
    machines = sorted({r['protocol']['machine'] for runs in res.values() for r in runs.values()})
    lines += ['', f'Rows marked * are not core rows. Δ: the row minus its baseline on the same '
              f'seed (online rows: resnet8 alone, those of 2 x resnet20: resnet20 alone; '
              f'teacher-student rows: resnet8x0.5 alone; PS-KD: resnet20 alone), '
              f'mean ± std over the seeds both have. '
              f'Dates: {", ".join(dates)}; machine: {"; ".join(machines)}.']
    return '\n'.join(lines)


def replace_block(path, name, text):
    """Put ``text`` between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in ``path``."""
    begin, end = f'<!-- {name}:begin -->', f'<!-- {name}:end -->'
    with open(path) as f:
        doc = f.read()
    if begin not in doc or end not in doc:
        return False
    head, rest = doc.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, 'w') as f:
        f.write(f'{head}{begin}\n{text}\n{end}{tail}')
    return True


def report(settings):
    """Rebuild everything the results feed; prints the table. With ``settings.smoke`` only the
    smoke folder's table and figures (README and model zoo untouched)."""
    res = load_results(settings.results)
    text = table_text(res)
    print(text)
    os.makedirs(settings.results, exist_ok=True)
    with open(osp.join(settings.results, 'table.md'), 'w') as f:
        f.write(text + '\n')
    if not settings.smoke:
        for readme in ('README.md', osp.join('benchmarks', 'accuracy', 'README.md')):
            replace_block(osp.join(REPO, readme), 'accuracy-table', text)
        changed = model_zoo.update()
        print(f'[table] model zoo: {", ".join(changed) or "up to date"}')
    try:
        figures(res, settings.figures)
    except ImportError as e:  # matplotlib missing: the table alone
        print(f'[table] no figures: {e}')


def figures(res, out_dir):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    os.makedirs(out_dir, exist_ok=True)
    keys = [k for k in ROWS if k in res]
    if not keys:
        return
    cols = min(4, len(keys))
    rows = (len(keys) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        base = ROWS[key][3]
        for k, style in ((key, '-'), (base, '--')):
            if not k or k not in res:
                continue
            for s, r in sorted(res[k].items()):
                ep = range(1, len(r['curve']) + 1)
                ax.plot(ep, r['curve'], style, color=f'C{s}', lw=1,
                        label=f'{k} s{s} test' if s == 0 else None)
                if k == key:
                    ax.plot(range(1, len(r['train_curve']) + 1), r['train_curve'], ':',
                            color=f'C{s}', lw=1, label=f'{k} s{s} train' if s == 0 else None)
        ax.set_title(ROWS[key][0], fontsize=8)
        ax.set_ylim(60, 100.5)
        ax.set_xlabel('epoch', fontsize=7)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis('off')
    fig.suptitle('Top-1 per epoch: test (solid; dashed = the baseline row), train images '
                 '(dotted); colours = seeds', fontsize=9)
    fig.tight_layout()
    fig.savefig(osp.join(out_dir, 'accuracy_curves.png'), dpi=90)
    plt.close(fig)
    if 'pskd' in res and 'teacher' in res:
        fig, axes = plt.subplots(1, 2, figsize=(8, 4))
        for ax, key, title in ((axes[0], 'teacher', 'resnet20 alone'),
                               (axes[1], 'pskd', 'PS-KD resnet20')):
            r = res[key][min(res[key])]
            bins = [b for b in r['reliability'] if b['count']]
            ax.bar([b['lo'] + 0.05 for b in bins], [b['accuracy'] for b in bins], width=0.1,
                   edgecolor='k', label='accuracy')
            ax.plot([0, 1], [0, 1], 'k--', lw=1)
            ax.plot([b['confidence'] for b in bins], [b['accuracy'] for b in bins], 'ro',
                    ms=3, label='(confidence, accuracy)')
            ax.set_title(f'{title}, seed {r["seed"]}: ECE {r["metrics"]["ECE"]:.2f} %',
                         fontsize=9)
            ax.set_xlabel('confidence')
            ax.set_ylabel('accuracy')
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(osp.join(out_dir, 'reliability_pskd_vs_baseline.png'), dpi=90)
        plt.close(fig)
