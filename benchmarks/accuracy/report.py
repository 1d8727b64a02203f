"""The accuracy table's report, from the committed result files only: each protocol's
``results/<protocol>/table.md``, its README block, its figures (``docs/figures/<protocol>/``)
and the families' model-zoo files (:mod:`.model_zoo`)."""
import dataclasses
import os
import os.path as osp
import statistics

from mmkd_plugins.evaluation.distill_report import t_interval

from . import diagnosis, model_zoo
from .protocol import (DEFAULT_PROTOCOL, PROTOCOLS, REPO, ROWS, TEACHERS, load_results,
                       metric_key)


def mean_sd(vals):
    """``'mean ± std'`` over seeds; one seed has no spread: ``'x (1 seed)'``."""
    if not vals:
        return 'n/a'
    if len(vals) == 1:
        return f'{vals[0]:.2f} (1 seed)'
    return f'{statistics.mean(vals):.2f} ± {statistics.stdev(vals):.2f}'


def plateau_gain(curve):
    """Test top-1 gained over the last 20 % of the validations (convergence: < 0.3 pt)."""
    k = max(1, round(0.2 * len(curve)))
    return curve[-1] - curve[-k - 1] if len(curve) > k else float('nan')


def mean_ci(vals):
    """``'mean [lo, hi]'``: the mean and its 95 % t-interval over seeds (one seed: no interval)."""
    if not vals:
        return '—'
    if len(vals) == 1:
        return f'{vals[0]:+.2f} (1 seed)'
    m, h = t_interval(vals)
    return f'{m:+.2f} [{m - h:+.2f}, {m + h:+.2f}]'


def train_fit(run):
    """Top-1 (%) on the un-augmented training images at the last validation."""
    return run['train_curve'][-1]


def paired(res, key, seeds, value):
    """``value(run)`` of the row minus its baseline's on every seed both have."""
    base = ROWS[key][3]
    if not base or base not in res:
        return []
    return [value(key, res[key][s]) - value(base, res[base][s]) for s in seeds if s in res[base]]


def table_text(res):
    """The markdown table of every row with results (``res`` from ``load_results``)."""
    lines = ['| method | seeds | top-1 (%) | Δ top-1 (paired, 95 % CI) | training fit (%) | '
             'Δ training fit | ECE (%) | Δ ECE (95 % CI) | NLL | Δ NLL | last-20 % gain (pt) | '
             'train time / resnet8 alone (seed 0) |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    # seed 0 against resnet8 alone's seed 0, when both ran on the same machine string (cores,
    # torch threads): table streams may run side by side with 1 thread each
    alone0 = res.get('alone', {}).get(0)

    def top1(k, r):
        return r['metrics'][metric_key(k)]

    def metric(name):
        return lambda k, r: r['metrics'][name]

    values = dict(top1=top1, ECE=metric('ECE'), NLL=metric('NLL'),
                  fit=lambda k, r: train_fit(r))
    for key, (label, _, kind, base, core) in ROWS.items():
        runs = res.get(key)
        if not runs:
            continue
        seeds = sorted(runs)
        col = {name: [fn(key, runs[s]) for s in seeds] for name, fn in values.items()}
        gains = [plateau_gain(runs[s]['curve']) for s in seeds]
        d = {name: paired(res, key, seeds, fn) for name, fn in values.items()}
        name = label + ('' if core else ' *')
        if kind == 'online':
            s1 = [runs[s]['metrics'].get('kdcl/student1/top1') for s in seeds]
            ens = [runs[s]['metrics'].get('kdcl/ensemble/top1') for s in seeds]
            if None not in s1 + ens:
                name += f'; student 1 {mean_sd(s1)}; ensemble {mean_sd(ens)}'
        rel = 'n/a'
        if alone0 and 0 in runs and runs[0]['protocol']['machine'] == alone0['protocol']['machine']:
            rel = f'{runs[0]["train_s"] / alone0["train_s"]:.2f}'
        lines.append(
            f'| {name} | {len(seeds)} ({",".join(map(str, seeds))}) | {mean_sd(col["top1"])} | '
            f'{mean_ci(d["top1"])} | {mean_sd(col["fit"])} | {mean_ci(d["fit"])} | '
            f'{mean_sd(col["ECE"])} | {mean_ci(d["ECE"])} | {mean_sd(col["NLL"])} | '
            f'{mean_ci(d["NLL"])} | {max(gains):.2f} (max) | {rel} |')
    dates = sorted({r['protocol']['date'] for runs in res.values() for r in runs.values()})
    machines = sorted({r['protocol']['machine'] for runs in res.values() for r in runs.values()})
    lines += ['', f'Rows marked * are not core rows. Δ: the row minus its baseline on the same '
              f'seed (online rows: resnet8 alone, those of 2 x resnet20: resnet20 alone; '
              f'teacher-student rows: resnet8x0.5 alone; PS-KD: resnet20 alone), '
              f'the mean over the seeds both have and its 95 % t-interval. Training fit: top-1 '
              f'on the first 1,000 un-augmented training images at the last validation. '
              f'Last-20 % gain: test top-1 gained over the last fifth of the validations. '
              f'Dates: {", ".join(dates)}; machine: {"; ".join(machines)}.']
    return '\n'.join(lines)


def delta_pairs(res):
    """(row, seed, Δ training fit, Δ test top-1) of every (row, seed) with a baseline run."""
    out = []
    for key in ROWS:
        base = ROWS[key][3]
        if key not in res or not base or base not in res:
            continue
        for s, r in sorted(res[key].items()):
            if s in res[base]:
                b = res[base][s]
                out.append((key, s, train_fit(r) - train_fit(b),
                            r['metrics'][metric_key(key)] - b['metrics'][metric_key(base)]))
    return out


def regression(pairs):
    """Least squares Δtest = slope · Δtrain + intercept over ``pairs``; (slope, intercept, r)."""
    x = [p[2] for p in pairs]
    y = [p[3] for p in pairs]
    if len(x) < 3 or statistics.pstdev(x) == 0 or statistics.pstdev(y) == 0:
        return None
    slope, intercept = statistics.linear_regression(x, y)
    return slope, intercept, statistics.correlation(x, y)


@dataclasses.dataclass(frozen=True)
class Claim:
    """One claim of a seed paper, as the paper states it, checked on the paired runs.

    ``row`` against ``against`` (None: the row's baseline), on ``metric`` ('top1': the row's
    top-1, student 0's for online rows; 'ECE'), in the direction ``sign`` (+1: the row above,
    -1: below); ``paper``: whose claim; ``seeds``: the seeds asked of it (issue #33), beside
    those a small effect asks (:func:`seeds_wanted`)."""
    row: str
    claim: str
    paper: str
    against: str = None
    metric: str = 'top1'
    sign: int = 1
    seeds: int = 3


_KDCL = [('kdcl_minlogit', 'MinLogit'), ('kdcl_linear', 'Linear'), ('kdcl_naive', 'Naive'),
         ('kdcl_general', 'General')]
# The seed papers' claims, each as its paper states it (issue #33): IE-KD claims IE-X > X for the
# method X it is added to (and, its inheritance being FT's loss, IE-KD > FT; with a student larger
# than its teacher, IE-KD > the student alone > KD: its Fig. 1(b)); KDCL that its students beat
# the same networks alone and DML's; PS-KD better top-1 and calibration than the network alone;
# ESKD and TAKD improve on full Hinton KD. Every claim here is a paper's; none is ours.
DIRECTIONS = [
    Claim('kd', 'student > student alone', 'Hinton KD'),
    Claim('pskd', 'top-1 > resnet20 alone', 'PS-KD'),
    Claim('pskd', 'ECE < resnet20 alone', 'PS-KD', metric='ECE', sign=-1),
    *[Claim(k, f'KDCL-{e} students > alone', 'KDCL', seeds=5) for k, e in _KDCL],
    *[Claim(k, f'KDCL-{e} students > DML students', 'KDCL', against='dml', seeds=5)
      for k, e in _KDCL],
    Claim('kdcl_minlogit_r20', 'students > alone (2 x resnet20)', 'KDCL'),
    Claim('kdcl_minlogit_r20', 'students > DML students (2 x resnet20)', 'KDCL',
          against='dml_r20'),
    Claim('dml', 'students > alone', 'DML'),
    Claim('dml_r20', 'students > alone (2 x resnet20)', 'DML'),
    Claim('iekd_kd', 'IE-KD + KD > KD', 'IE-KD', against='kd', seeds=5),
    Claim('ieat', 'IE-AT > AT', 'IE-KD', against='at', seeds=5),
    Claim('ieft', 'IE-FT > FT', 'IE-KD', against='ft', seeds=5),
    Claim('iedml', 'IE-DML > DML', 'IE-KD', against='dml', seeds=5),
    Claim('iekd', 'IE-KD > FT (the inheritance loss is FT\'s)', 'IE-KD', against='ft',
          seeds=5),
    Claim('iekd_r20', 'student larger than the teacher: IE-KD > the student alone', 'IE-KD'),
    Claim('kd_r20', 'student larger than the teacher: KD < the student alone', 'IE-KD',
          sign=-1),
    Claim('iekd_r20', 'student larger than the teacher: IE-KD > KD', 'IE-KD', against='kd_r20'),
    Claim('fitnets', 'student > student alone', 'FitNets'),
    Claim('at', 'student > student alone', 'AT'),
    Claim('ft', 'student > student alone', 'FT'),
    Claim('takd', 'student via the assistant > Hinton KD from the teacher', 'TAKD',
          against='kd'),
    Claim('eskd_a', 'KD for the first half of the epochs > KD throughout', 'ESKD', against='kd'),
    Claim('eskd_b', 'the teacher of the middle epoch > the final teacher', 'ESKD', against='kd'),
]


def verdict(vals, threshold=0.0, sign=1):
    """Whether the paired differences ``vals`` are on the claimed side of ``threshold`` (``sign``
    +1: above, -1: below), by their 95 % interval."""
    if not vals:
        return 'not run'
    side, other = ('above', 'below') if sign > 0 else ('below', 'above')
    if len(vals) == 1:
        ok = vals[0] * sign > threshold * sign
        return f'1 seed: {side if ok else "not " + side}; not resolved'
    m, h = t_interval(vals)
    lo, hi = m - h, m + h
    if (lo > threshold) if sign > 0 else (hi < threshold):
        return f'yes (the 95 % interval is {side})'
    if (hi < threshold) if sign > 0 else (lo > threshold):
        return f'no (the 95 % interval is {other})'
    return (f'not resolved (mean {side if (m - threshold) * sign > 0 else other}; the '
            f'interval spans it)')


SEEDS_SMALL_EFFECT = 5  # seeds asked where a paired effect is under twice its std


def seeds_wanted(vals, core=True):
    """The seeds the protocol asks of a paired effect: ``SEEDS_SMALL_EFFECT`` where
    |mean| < 2 std over the seeds run (a small effect), else 3 for a core row and 1 for the
    others (one seed has no std)."""
    if len(vals) >= 2 and abs(statistics.mean(vals)) < 2 * statistics.stdev(vals):
        return SEEDS_SMALL_EFFECT
    return 3 if core else 1


def claim_value(res, key, seed, metric):
    """The metric a claim reads from ``key``'s run of ``seed``."""
    return res[key][seed]['metrics'][metric_key(key) if metric == 'top1' else metric]


def teacher_note(res, row, other, seeds):
    """Whether the pair's runs of each seed were distilled from one teacher run (the result
    files' ``teacher_run``: CPU training is not bitwise repeatable, so a retrained teacher is
    another run). '' unless both rows distil from one teacher row's final checkpoint and one
    of them recorded its run; a shared seed with differing teachers still pairs the seed (the
    interval then holds the teacher's variation too)."""
    distils = all(ROWS[k][2] in ('kd', 'iekd') for k in (row, other))
    if not distils or TEACHERS[row] != TEACHERS[other]:
        return ''
    runs = {s: [res[k][s].get('teacher_run') for k in (row, other)] for s in seeds}
    if not any(any(r) for r in runs.values()):
        return ''
    same = [s for s, (a, b) in runs.items() if a and b and a['sha256'] == b['sha256']]
    differ = [s for s, (a, b) in runs.items() if a and b and a['sha256'] != b['sha256']]
    unknown = [s for s, (a, b) in runs.items() if not (a and b)]
    parts = [f'{what} on seeds {which}' for what, which in
             (('one', same), ('different', differ), ('not recorded', unknown)) if which]
    return '; teacher run: ' + ', '.join(parts)


def directions_text(res):
    """The seed papers' claims (:data:`DIRECTIONS`) at a glance, from the results: the paired
    difference with its 95 % interval over seeds (PS-KD's ECE: also the ratio per seed), the
    verdict, and the seeds still missing from those the protocol asks (:func:`seeds_wanted`)."""
    lines = ['| paper | its claim, as stated | here: paired Δ (pt), mean [95 % CI] (per seed) | '
             'held? |', '| --- | --- | --- | --- |']
    for c in DIRECTIONS:
        other = c.against or ROWS[c.row][3]
        if c.row not in res or other not in res:
            continue
        seeds = [s for s in sorted(res[c.row]) if s in res[other]]
        if not seeds:
            continue
        d = [claim_value(res, c.row, s, c.metric) - claim_value(res, other, s, c.metric)
             for s in seeds]
        name = 'Δ ECE ' if c.metric == 'ECE' else ''
        here = name + (f'{d[0]:+.2f} (seed {seeds[0]})' if len(d) == 1 else
                       f'{mean_ci(d)} ({", ".join(f"{v:+.2f}" for v in d)}; seeds {seeds})')
        here += f'; {ROWS[c.row][0].split(" (")[0]} vs {ROWS[other][0].split(" (")[0]}'
        here += teacher_note(res, c.row, other, seeds)
        if c.metric == 'ECE':
            ratios = [claim_value(res, c.row, s, 'ECE') / claim_value(res, other, s, 'ECE')
                      for s in seeds]
            here += f'; ECE ratio {", ".join(f"{r:.2f}" for r in ratios)}'
        held = verdict(d, 0.0, c.sign)
        small = seeds_wanted(d, core=ROWS[c.row][4])  # what the effect's size asks
        wanted = max(small, c.seeds)
        if len(d) < wanted:
            held += (f'; {len(d)} of the {wanted} seeds asked'
                     + (' (|Δ| < 2 std)' if small > c.seeds else ''))
        lines.append(f'| {c.paper} | {c.claim} | {here} | {held} |')
    return '\n'.join(lines)


def table_block(protocol):
    """The README block a protocol's table fills: ``accuracy-table`` for the headline one."""
    return 'accuracy-table' if protocol == DEFAULT_PROTOCOL else f'accuracy-table-{protocol}'


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
    fitline = regression(delta_pairs(res))
    if fitline:
        text += (f'\n\nAcross the {len(delta_pairs(res))} (row, seed) pairs with a baseline on the '
                 f'same seed: Δtest ≈ {fitline[0]:.2f} · Δtraining fit {fitline[1]:+.2f}, '
                 f'r = {fitline[2]:.2f} (least squares over the result files).')
    print(text)
    os.makedirs(settings.results, exist_ok=True)
    with open(osp.join(settings.results, 'table.md'), 'w') as f:
        f.write(text + '\n')
    if not settings.smoke:
        block = table_block(settings.protocol)
        directions = directions_text(res)
        with open(osp.join(settings.results, 'directions.md'), 'w') as f:
            f.write(directions + '\n')
        # the table and the claims live in the lab's README; the user's README summarises them
        lab = osp.join(REPO, 'benchmarks', 'accuracy', 'README.md')
        replace_block(lab, block, text)
        replace_block(lab, block.replace('table', 'directions'), directions)
        # the diagnosis tool on every committed (row, seed), and the noise floor it judges by
        for row, asked, met in diagnosis.write(settings.results, settings.protocol):
            print(f'[table] diagnosis of {row}: asked {asked}: {"met" if met else "NOT MET"}')
        changed = model_zoo.update()
        print(f'[table] model zoo: {", ".join(changed) or "up to date"}')
    try:
        figures(res, settings.figures, PROTOCOLS[settings.protocol]['milestones'])
    except ImportError as e:  # matplotlib missing: the table alone
        print(f'[table] no figures: {e}')


def figures(res, out_dir, milestones=()):
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
                ep = r.get('epochs') or range(1, len(r['curve']) + 1)
                ax.plot(ep, r['curve'], style, color=f'C{s}', lw=1,
                        label=f'{k} s{s} test' if s == 0 else None)
                if k == key:
                    ax.plot(ep, r['train_curve'], ':',
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
    pairs = delta_pairs(res)
    fitline = regression(pairs)
    if fitline:
        fig, ax = plt.subplots(figsize=(5, 4))
        for i, key in enumerate(dict.fromkeys(p[0] for p in pairs)):
            pts = [p for p in pairs if p[0] == key]
            ax.plot([p[2] for p in pts], [p[3] for p in pts], 'o', ms=4, color=f'C{i % 10}',
                    label=key)
        xs = [min(p[2] for p in pairs), max(p[2] for p in pairs)]
        ax.plot(xs, [fitline[0] * x + fitline[1] for x in xs], 'k--', lw=1,
                label=f'{fitline[0]:.2f} x {fitline[1]:+.2f}, r = {fitline[2]:.2f}')
        ax.axhline(0, color='grey', lw=0.5)
        ax.axvline(0, color='grey', lw=0.5)
        ax.set_xlabel('Δ training fit (pt, vs the baseline, same seed)')
        ax.set_ylabel('Δ test top-1 (pt)')
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        fig.savefig(osp.join(out_dir, 'delta_test_vs_train.png'), dpi=90)
        plt.close(fig)
    losses = {k: res[k] for k in ('alone', 'resnet8x0.5', 'teacher') if k in res and all(
        r.get('train_loss_curve') for r in res[k].values())}
    if losses:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for i, (key, runs) in enumerate(losses.items()):
            for s, r in sorted(runs.items()):
                ax.plot(r['epochs'], r['train_loss_curve'], color=f'C{i}', lw=1,
                        label=ROWS[key][0].split(' (')[0] if s == min(runs) else None)
        for m in milestones:
            ax.axvline(m, color='grey', lw=0.5, ls='--')
        ax.set_yscale('log')
        ax.set_xlabel('epoch (dashed: lr x0.1)')
        ax.set_ylabel('training loss')
        ax.set_title('baselines: mean training loss between validations', fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(osp.join(out_dir, 'baseline_training_loss.png'), dpi=90)
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
    memory = pskd_memory_entropy(res)
    if memory:
        # PS-KD's target on its training images: the memory's entropy falls towards 0 (the
        # one-hot label) as the network fits them; alpha_t on the right axis
        fig, ax = plt.subplots(figsize=(6, 3.2))
        for seed, (epochs, entropy, _) in sorted(memory.items()):
            ax.plot(epochs, entropy, marker='.', label=f'seed {seed}')
        ax.set_xlabel('epoch')
        ax.set_ylabel('target entropy (nats)')
        ax.set_ylim(bottom=0)
        twin = ax.twinx()
        epochs, _, alpha = memory[min(memory)]
        twin.plot(epochs, alpha, 'k--', lw=1, label='alpha_t')
        twin.set_ylabel('alpha_t')
        twin.set_ylim(0, 1)
        ax.legend(fontsize=7, loc='upper center')
        ax.set_title('PS-KD: the entropy of its target (memory) on the training images', fontsize=9)
        fig.tight_layout()
        fig.savefig(osp.join(out_dir, 'pskd_memory_entropy.png'), dpi=90)
        plt.close(fig)


def pskd_memory_entropy(res):
    """``{seed: (epochs, entropy of PS-KD's target on the training images, alpha_t)}`` from the
    diagnostics of the committed PS-KD runs (empty where they predate the hook)."""
    out = {}
    for seed, r in sorted(res.get('pskd', {}).items()):
        d = [x for x in r.get('diagnostics') or [] if 'student/target_entropy' in x]
        if d:
            out[seed] = ([x['epoch'] for x in d], [x['student/target_entropy'] for x in d],
                         [x['alpha_t'] for x in d])
    return out
