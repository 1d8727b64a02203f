"""The diagnosis tool (``tools/analysis/distill_report.py``) proven on our own rows: every
committed (row, seed) of a protocol against its baseline, and each row over its seeds, as the
tool reports them; written to ``results/<protocol>/diagnosis.md`` beside the protocol's
``noise.json`` (the noise floor the tool judges one pair by), both from the result files only.

The expectations it is held to (issue #35): in fashion-mnist-5k every row whose paired top-1
interval is below zero comes out "hurt" with ``slower_fit``; in fashion-mnist-1k ESKD (b) names
its ``weak_target`` and Hinton KD, DML and KDCL-MinLogit come out "helped". A row the tool gets
wrong is marked so in the table, not hidden.
"""
import glob
import json
import os.path as osp

from mmkd_plugins.evaluation import distill_report as dr

from .protocol import PROTOCOLS, ROWS, TEACHERS

TEACHER_KINDS = ('kd', 'kd_early', 'iekd')  # frozen-teacher rows with the teacher's files here
MIN_SEEDS = 3  # rows whose paired differences enter the noise floor


def load(results_dir):
    """``{row: {seed: run}}``: every row's result files as the report reads them, read once."""
    out = {}
    for key in ROWS:
        paths = sorted(glob.glob(osp.join(results_dir, key, 'seed*.json')))
        if paths:
            out[key] = {r['seed']: r for r in map(dr.load, paths)}
    return out


def noise(res):
    """``{'sd': {metric: pooled std of one paired comparison}, 'rows': [...], 'pairs': n}`` over
    every row with a baseline and >= ``MIN_SEEDS`` seeds of both (``res`` from :func:`load`)."""
    groups = {m: [] for m in ('top1', 'ECE', 'NLL', 'fit')}
    rows, pairs = [], 0
    for key, (_, _, _, base, _) in ROWS.items():
        if not base:
            continue
        mine, theirs = res.get(key, {}), res.get(base, {})
        seeds = [s for s in mine if s in theirs]
        if len(seeds) < MIN_SEEDS:
            continue
        rows.append(key)
        pairs += len(seeds)
        for m in groups:
            def value(r):
                return r['fit'] if m == 'fit' else r['metrics'][m]
            groups[m].append([value(mine[s]) - value(theirs[s]) for s in seeds])
    if not rows:
        return None
    return dict(sd={m: round(dr.pooled_sd(g), 4) for m, g in groups.items()}, rows=rows,
                pairs=pairs, source='the paired differences (row − baseline, same seed) of '
                'every row with >= 3 seeds; 1.96 sd is the noise floor of one pair')


def teachers(res, key, protocol):
    """``{seed: held-out top-1}`` of the teacher the teacher-student row ``key`` distils from:
    its teacher row's end (resnet20, or resnet8x0.5 for a larger student), or the teacher's
    test top-1 at the first lr drop (ESKD (b))."""
    kind = ROWS[key][2]
    if kind not in TEACHER_KINDS:
        return {}
    epoch = PROTOCOLS[protocol]['milestones'][0] if kind == 'kd_early' else None
    return {seed: dr.top1_at(run, epoch) for seed, run in res.get(TEACHERS[key], {}).items()}


def expected(protocol, key, row_report):
    """What issue #35 asks of the tool on this row ('' when nothing)."""
    v = row_report['verdicts']['top1']
    causes = [c for c, _ in row_report['causes']]
    if protocol == 'fashion-mnist-5k' and v['n'] >= 2 and v['hi'] < 0:
        return 'hurt, slower_fit', v['word'] == 'hurt' and 'slower_fit' in causes
    if protocol == 'fashion-mnist-1k' and key == 'eskd_b':
        return 'weak_target', 'weak_target' in causes
    if protocol == 'fashion-mnist-1k' and key in ('kd', 'dml', 'kdcl_minlogit'):
        return 'helped, no cause', v['word'] == 'helped' and not causes
    return '', None


def diagnosis(res, protocol, sd):
    """``(markdown table, [(row, expectation, met)])`` of every row with a baseline (``res``
    from :func:`load`, ``sd`` the noise's ``sd``)."""
    lines = ['| row | seeds | verdict: Δ test top-1 (pt) | ECE | NLL | Δ fit / Δ gap (pt) | '
             'causes | notes | each seed alone (one pair, noise floor) | asked | met? |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    checks = []
    for key, (label, _, _, base, _) in ROWS.items():
        if not base:
            continue
        mine, theirs = res.get(key), res.get(base)
        if not mine or not theirs:
            continue
        pairs = dr.pair(list(mine.values()), list(theirs.values()))
        t = teachers(res, key, protocol)
        rep = dr.diagnose(pairs, sd, t)
        v = rep['verdicts']
        seeds = []
        for p in pairs:
            one = dr.diagnose([p], sd, t)
            word = one['verdicts']['top1']['word']
            causes = ', '.join(c for c, _ in one['causes'])
            seeds.append(f'{p[0]["seed"]}: {word} {one["verdicts"]["top1"]["mean"]:+.2f}'
                         + (f' ({causes})' if causes else ''))
        d = rep['decomposition']
        ask, met = expected(protocol, key, rep)
        if ask:
            checks.append((key, ask, met))
        lines.append(
            f'| {label} | {len(pairs)} | **{v["top1"]["word"]}** '
            f'{dr.interval_text(v["top1"], "")} | {v["ECE"]["word"]} '
            f'{dr.interval_text(v["ECE"], "")} | {v["NLL"]["word"]} '
            f'{dr.interval_text(v["NLL"], "")} | {d["fit"]:+.2f} / {d["gap"]:+.2f} | '
            f'{", ".join(c for c, _ in rep["causes"]) or "—"} | '
            f'{", ".join(n for n, _ in rep["notes"]) or "—"} | {"; ".join(seeds)} | '
            f'{ask or "—"} | {"" if met is None else "yes" if met else "**no**"} |')
    lines += ['', f'Each row against its baseline (the table\'s), paired by seed; the verdict: the '
              f'95 % t-interval of the paired differences; one seed: its difference ± the noise '
              f'floor, 1.96 x the pooled sd of one comparison (sd: top-1 '
              f'{sd.get("top1", float("nan")):.2f} pt, ECE {sd.get("ECE", float("nan")):.2f} pt, '
              f'NLL {sd.get("NLL", float("nan")):.3f}; noise.json). Causes are sought only where the run did not help. Δ gap = Δ fit − '
              f'Δ test. Teacher-student rows compare the teacher\'s test top-1 (ESKD (b): at the '
              f'first lr drop) with the baseline\'s. Written by benchmarks/accuracy/diagnosis.py '
              f'from the result files.']
    return '\n'.join(lines), checks


def write(results_dir, protocol):
    """Write ``noise.json`` and ``diagnosis.md`` of a protocol's results; the checks."""
    res = load(results_dir)
    n = noise(res)
    if n is None:
        return []
    with open(osp.join(results_dir, 'noise.json'), 'w') as f:
        json.dump(n, f, indent=1)
        f.write('\n')
    text, checks = diagnosis(res, protocol, n['sd'])
    with open(osp.join(results_dir, 'diagnosis.md'), 'w') as f:
        f.write(text + '\n')
    return checks
