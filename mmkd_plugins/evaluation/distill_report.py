"""Did distillation help, and why not? The verdict and the diagnosis behind
``tools/analysis/distill_report.py``: runs against their control, on held-out images, with the
noise of the comparison.

Runs and baselines are work dirs of runs that logged
:class:`~mmkd_plugins.engine.hooks.DistillDiagnosticsHook` (its newest ``vis_data/scalars.json``
and the ``config.py`` beside it) or result files of the accuracy table
(``benchmarks/accuracy/results/<protocol>/<row>/seed<k>.json``). A baseline is the same network
trained alone, or the ``--distill-off`` control of the same config; runs and baselines are paired
by seed (the config's ``randomness.seed``).

1. **The verdict**, on the held-out test set: top-1 ("helped" / "hurt"), ECE and NLL ("better" /
   "worse"), the run minus its baseline on each seed. With two pairs or more: the mean and its
   95 % t-interval; a verdict when the interval excludes 0, else "within noise". With one pair:
   the noise floor of one comparison in the protocol, ``1.96 x`` the pooled standard deviation
   of the paired differences of every committed row with >= 3 seeds of that protocol
   (``noise.json`` beside the protocol's results, written by ``benchmarks/accuracy/report.py``:
   fashion-mnist-1k 1.12 pt of top-1, 0.84 pt of ECE, 0.073 of NLL; fashion-mnist-5k 2.61 pt,
   0.81 pt, 0.065); "within noise" inside it. Without a noise floor one pair gets no verdict.

2. **Why**, when the run did not help (the causes are sought only then):

   - ``slower_fit`` / ``wider_gap``: the test change splits exactly into the change of the fit
     and that of the generalisation gap, ``Δtest = Δfit − Δgap`` (fit: top-1 on the scored
     training images at the last validation; gap = fit − test). When the run tests lower,
     ``slower_fit`` names a fit change that carries at least half of the loss
     (``Δfit <= Δtest / 2``): the distillation term slows the fit instead of regularising;
     ``wider_gap`` otherwise: it fits as well and generalises worse. Evidence: in the under-fitting
     protocol (fashion-mnist-5k) the test change follows the fit change (35 pairs of the 40-epoch
     table, ``Δtest ≈ 0.92 · Δfit − 0.20``, r = 0.94); in the fitting one (fashion-mnist-1k) every
     network fits its 1,000 images and a loss can only be a wider gap.
   - ``weak_target``: what the student distils towards is not clearly better on held-out images
     than the student alone: its held-out top-1 is less than one standard deviation of one
     comparison (the pooled std above: 0.57 pt in fashion-mnist-1k, 1.33 pt in -5k) above the
     baseline's. Measured on the hook's held-out images (the run's target against the baseline
     on the same images) or, for result files, from the teacher's own result files
     (``--teacher``). On the hook's images the comparison is paired (the same images) but
     carries their sampling error, about ``sqrt(disagreement / N)``: ~1 pt for 500 images
     where the two disagree on 5 %; read a margin near the threshold as unresolved. Evidence:
     ESKD (b), whose middle-epoch teachers test 0.7-2.7 pt *below*
     resnet8x0.5 alone (fashion-mnist-1k, seeds 0-4), where the full teachers are 0.9-1.8 above.

   Evidence shown, not judged: fidelity (student-target agreement and KL, at T = 1 and at the
   method's T, on training and held-out images), the target's own calibration, and the
   distillation / CE gradient balance at the logits (no committed run has logged it, so no
   threshold can be grounded on our seeds yet).

3. **Notes** (facts that explain a result, not faults): ``memorised_target``, a target one-hot on
   the training images at T = 1 (right on >= 99 % of them with < 0.08 nats of entropy, i.e.
   >= 99 % of its mass on one class of ten): a teacher that memorised its training images, whose
   dark knowledge is only at the distillation temperature (committed Hinton KD seed 0:
   target top-1 100 %, 0.008 nats).
"""
import glob
import json
import os.path as osp
import statistics

T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262}  # two-sided 95 % quantiles of Student's t by degrees of freedom; past 9: 1.96
Z975 = 1.96  # one pair: a difference within 1.96 standard deviations of one comparison is noise
ONE_HOT_TOP1, ONE_HOT_ENTROPY = 99.0, 0.08  # a target one-hot on its training images at T = 1
METRICS = (('top1', 'higher'), ('ECE', 'lower'), ('NLL', 'lower'))
WORDS = dict(top1=('helped', 'hurt'), ECE=('better', 'worse'), NLL=('better', 'worse'))
TEST_KEYS = ('kdcl/student0/top1', 'accuracy/top1')  # the test top-1 a run reports
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESULTS = osp.join(REPO, 'benchmarks', 'accuracy', 'results')


class ReportError(ValueError):
    """Input the report cannot use (one line for the command line)."""


# -- statistics -----------------------------------------------------------------------------
def t_interval(vals):
    """(mean, half-width of its 95 % t-interval) over two or more values."""
    return (statistics.mean(vals),
            T975.get(len(vals) - 1, Z975) * statistics.stdev(vals) / len(vals) ** 0.5)


def pooled_sd(groups):
    """The pooled standard deviation of several groups of paired differences (each >= 2)."""
    dof = sum(len(g) - 1 for g in groups)
    return (sum(statistics.variance(g) * (len(g) - 1) for g in groups) / dof) ** 0.5


def verdict(deltas, better='higher', sd=None, metric='top1'):
    """``dict(word, mean, lo, hi, n, basis)`` of paired differences (run − baseline): 'helped' /
    'hurt' (ECE, NLL: 'better' / 'worse') or 'within noise'; 'no verdict' for one pair without
    a noise floor (``sd``: the std of one comparison)."""
    good, bad = WORDS.get(metric, ('better', 'worse'))
    sign = 1 if better == 'higher' else -1
    n = len(deltas)
    if n >= 2:
        m, h = t_interval(deltas)
        lo, hi, basis = m - h, m + h, f'95 % t-interval over {n} pairs'
    elif n == 1 and sd is not None:
        m = deltas[0]
        lo, hi = m - Z975 * sd, m + Z975 * sd
        basis = f'one pair; noise floor ±{Z975 * sd:.2f} from the committed seeds'
    elif n == 1:
        return dict(word='no verdict', mean=deltas[0], lo=None, hi=None, n=1,
                    basis='one pair and no noise floor for this protocol (give more seeds, or '
                          '--noise FILE)')
    else:
        raise ReportError('no pair: the runs and the baselines share no seed')
    word = good if sign * lo > 0 and sign * hi > 0 else bad if sign * lo < 0 and sign * hi < 0 \
        else 'within noise'
    return dict(word=word, mean=m, lo=lo, hi=hi, n=n, basis=basis)


def interval_text(v, unit=' pt'):
    if v['lo'] is None:
        return f'{v["mean"]:+.2f}{unit}'
    return f'{v["mean"]:+.2f}{unit} [{v["lo"]:+.2f}, {v["hi"]:+.2f}]'


# -- reading runs ---------------------------------------------------------------------------
def find_scalars(path):
    """The ``scalars.json`` of a work dir (its newest run), a ``vis_data`` folder or the file."""
    if osp.isfile(path):
        return path
    for pattern in ('scalars.json', 'vis_data/scalars.json', '*/vis_data/scalars.json'):
        found = sorted(glob.glob(osp.join(path, pattern)))
        if found:
            return found[-1]
    if not osp.isdir(path):
        raise ReportError(f'{path}: no such run directory or result file')
    raise ReportError(f'{path}: no scalars.json (looked for {path}/*/vis_data/scalars.json): '
                      'is it the work dir of an mmengine run?')


def _student(diag):
    return 'student' if any(k.startswith('student/') for k in diag) else 'student0'


def load(path):
    """A run as the report reads it: ``dict(path, seed, protocol, metrics={top1, ECE, NLL},
    fit, diag, history, test_curve, fit_curve, train, data)``, from a work dir or a result
    file (``.json`` with ``metrics``)."""
    if osp.isfile(path) and path.endswith('.json') and not path.endswith('scalars.json'):
        return _load_result(path)
    return _load_workdir(path)


def _load_result(path):
    with open(path) as f:
        r = json.load(f)
    if 'metrics' not in r or 'train_curve' not in r:
        raise ReportError(f'{path}: not a result file of the accuracy table (no metrics / '
                          f'train_curve); give a run\'s work dir or benchmarks/accuracy/results/'
                          f'<protocol>/<row>/seed<k>.json')
    top1 = next(r['metrics'][k] for k in TEST_KEYS if k in r['metrics'])
    history = r.get('diagnostics') or []
    # the first tables' files (fashion-mnist-5k) name no protocol (it is their folder:
    # results/<protocol>/<row>/seed<k>.json) and validate every epoch
    protocol = r['protocol'].get('name') or \
        osp.basename(osp.dirname(osp.dirname(osp.abspath(path))))
    epochs = r.get('epochs') or [round((i + 1) * r['protocol']['epochs'] / len(r['curve']))
                                 for i in range(len(r['curve']))]
    return dict(path=path, seed=r['seed'], protocol=protocol,
                metrics=dict(top1=top1, ECE=r['metrics'].get('ECE'), NLL=r['metrics'].get('NLL')),
                fit=r['train_curve'][-1], diag=history[-1] if history else {}, history=history,
                test_curve=list(zip(epochs, r['curve'])),
                fit_curve=list(zip(epochs, r['train_curve'])), train=[],
                data=(protocol, r['protocol'].get('n_train')),
                noise=osp.join(osp.dirname(osp.dirname(osp.abspath(path))), 'noise.json'))


def _load_workdir(path):
    scalars = find_scalars(path)
    train, val = [], []
    with open(scalars) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                (val if any(k in row for k in TEST_KEYS) else train).append(row)
    if not val:
        raise ReportError(f'{scalars}: no validation line (train with validation on)')
    history = [dict({k[len('diag/'):]: v for k, v in row.items() if k.startswith('diag/')},
                    epoch=row.get('step')) for row in val]
    if len(history[-1]) == 1:
        raise ReportError(f'{scalars}: no diagnostics; add dict(type=\'DistillDiagnosticsHook\')'
                          f' to default_hooks (the protocol configs have it)')
    cfg = _config(osp.join(osp.dirname(scalars), 'config.py'))
    top_key = next(k for k in TEST_KEYS if k in val[-1])
    s = _student(history[-1])
    protocol = cfg.get('protocol') if cfg else None
    return dict(path=path, seed=(cfg.get('randomness') or {}).get('seed') if cfg else None,
                protocol=protocol,
                metrics=dict(top1=float(val[-1][top_key]), ECE=val[-1].get('ECE'),
                             NLL=val[-1].get('NLL')),
                fit=history[-1].get(f'{s}/fit_top1'), diag=history[-1], history=history,
                test_curve=[(row.get('step'), row[top_key]) for row in val if top_key in row],
                fit_curve=[(h['epoch'], h[f'{s}/fit_top1']) for h in history
                           if f'{s}/fit_top1' in h],
                train=train, data=_training_data(cfg),
                noise=osp.join(RESULTS, protocol, 'noise.json') if protocol else None)


def _config(config_py):
    if not osp.isfile(config_py):
        return None
    from mmengine.config import Config
    return Config.fromfile(config_py)


def _training_data(cfg):
    """What the run trained on: (dataset type, data root, split, indices), from its config."""
    if cfg is None:
        return None
    ds = cfg.train_dataloader.dataset
    while 'dataset' in ds and 'data_root' not in ds:  # wrappers (RepeatDataset, ...)
        ds = ds.dataset
    return (ds.get('type'), ds.get('data_root'), ds.get('split'), ds.get('indices'))


def teacher_top1(path, epoch=None):
    """A teacher's held-out top-1 (its result file or work dir), at ``epoch`` (a middle-epoch
    teacher, ESKD (b)) or at its end."""
    t = load(path)
    return t['seed'], top1_at(t, epoch)


def top1_at(run, epoch=None):
    """A run's held-out top-1 at ``epoch`` (from its validation curve), or at its end."""
    if epoch is None:
        return run['metrics']['top1']
    at = dict(run['test_curve'])
    if epoch not in at:
        raise ReportError(f'--teacher-epoch {epoch}: {run["path"]} validated at epochs '
                          f'{sorted(at)} only')
    return float(at[epoch])


def read_noise(path):
    """``{metric: sd of one comparison}`` from a ``noise.json``; ``{}`` when there is none."""
    if not path or not osp.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)['sd']


# -- pairing and the diagnosis ----------------------------------------------------------------
def pair(runs, baselines):
    """``[(run, baseline)]`` by seed; one run and one baseline are paired whatever their seeds."""
    for r in runs[1:] + baselines:
        if None not in (runs[0]['data'], r['data']) and r['data'] != runs[0]['data']:
            raise ReportError(f'{r["path"]} trained on {r["data"]}, {runs[0]["path"]} on '
                              f'{runs[0]["data"]}: compare runs on the same training data')
    if len(runs) == 1 and len(baselines) == 1:
        return [(runs[0], baselines[0])]
    for name, group in (('run', runs), ('baseline', baselines)):
        seeds = [g['seed'] for g in group]
        if None in seeds or len(set(seeds)) != len(seeds):
            raise ReportError(f'the {name}s\' seeds {seeds} do not tell them apart: give one run '
                              f'per seed (randomness.seed in each config)')
    by_seed = {b['seed']: b for b in baselines}
    pairs = [(r, by_seed[r['seed']]) for r in runs if r['seed'] in by_seed]
    if not pairs:
        raise ReportError(f'no seed in common: runs {[r["seed"] for r in runs]}, baselines '
                          f'{[b["seed"] for b in baselines]}')
    return sorted(pairs, key=lambda p: p[0]['seed'])


def _mean(vals):
    vals = [v for v in vals if v is not None]
    return statistics.mean(vals) if vals else None


def diagnose(pairs, noise=None, teachers=None):
    """The report of ``pairs`` (from :func:`pair`) as a dict: ``verdicts`` {metric: verdict},
    ``decomposition`` (Δtest, Δfit, Δgap means), ``causes`` and ``notes`` ([(rule, message)])
    and ``evidence`` (lines). ``noise``: {metric: sd of one comparison}; ``teachers``: {seed:
    held-out top-1 of the teacher the run distilled from} (result files)."""
    noise = noise or {}
    verdicts = {}
    for metric, better in METRICS:
        d = [r['metrics'][metric] - b['metrics'][metric] for r, b in pairs
             if r['metrics'].get(metric) is not None and b['metrics'].get(metric) is not None]
        if d:
            verdicts[metric] = verdict(d, better, noise.get(metric), metric)
    d_test = [r['metrics']['top1'] - b['metrics']['top1'] for r, b in pairs]
    d_fit = [r['fit'] - b['fit'] for r, b in pairs if None not in (r['fit'], b['fit'])]
    dt, df = statistics.mean(d_test), _mean(d_fit)
    out = dict(verdicts=verdicts, causes=[], notes=[], evidence=[],
               decomposition=dict(test=dt, fit=df, gap=None if df is None else df - dt))
    s = _student(pairs[0][0]['diag'])
    if df is not None:
        fit_text = (interval_text(verdict(d_fit, sd=noise.get('fit'))) if len(d_fit) > 1
                    else f'{df:+.2f} pt')
        out['evidence'].append(
            f'Δtest {dt:+.2f} pt = Δ training fit {fit_text} − Δ generalisation gap '
            f'{df - dt:+.2f} pt ({s} fits {_mean([r["fit"] for r, _ in pairs]):.2f} % of its '
            f'scored training images, the baseline {_mean([b["fit"] for _, b in pairs]):.2f} %)')
    # the target on held-out images against the student alone on the same images
    margins, source = [], None
    for r, b in pairs:
        held = r['diag'].get(f'heldout/{s}/target_top1')
        alone = b['diag'].get(f'heldout/{_student(b["diag"])}/fit_top1')
        if held is not None and alone is not None:
            margins.append(held - alone)
            source = 'on the hook\'s held-out images'
        elif teachers and r['seed'] in teachers:
            margins.append(teachers[r['seed']] - b['metrics']['top1'])
            source = 'the teacher\'s test top-1 against the baseline\'s'
    if margins:
        out['evidence'].append(f'target − student alone, held out ({source}): '
                               f'{statistics.mean(margins):+.2f} pt '
                               f'({", ".join(f"{m:+.2f}" for m in margins)})')
    out['evidence'] += _fidelity(pairs, s)
    ratios = [v for r, _ in pairs for row in r['train'] for k, v in row.items()
              if k == f'diag/grad_ratio/{s}']
    if ratios:
        half = ratios[len(ratios) // 2:]
        out['evidence'].append(
            f'distill / CE gradient norm at {s}\'s logits: median {statistics.median(half):.2f} '
            f'over the second half of training (range {min(half):.2f}-{max(half):.2f}; shown, '
            f'not judged: no committed run grounds a threshold)')
    tops = [r['diag'].get(f'{s}/target_top1') for r, _ in pairs]
    ents = [r['diag'].get(f'{s}/target_entropy') for r, _ in pairs]
    if None not in tops + ents and tops and min(tops) >= ONE_HOT_TOP1 and \
            max(ents) < ONE_HOT_ENTROPY:
        out['notes'].append(('memorised_target', (
            f'the target is one-hot on the training images at T = 1 (right on '
            f'{statistics.mean(tops):.1f} %, {statistics.mean(ents):.3f} nats of entropy): a '
            f'teacher that memorised them; its signal is only at the distillation temperature')))
    if verdicts['top1']['word'] == 'helped':
        return out
    if dt < 0 and df is not None:
        if df <= dt / 2:
            out['causes'].append(('slower_fit', (
                f'{s} fits its training images {-df:.2f} pt less than the baseline, which '
                f'carries {min(100.0, 100 * df / dt):.0f} % of the {-dt:.2f} pt lost on the test '
                f'set: the distillation term slows the fit instead of regularising. Train '
                f'longer, lower the distillation weight, or start it after the student fits')))
        else:
            out['causes'].append(('wider_gap', (
                f'{s} fits as well ({df:+.2f} pt) and generalises worse: the gap between its fit '
                f'and its test top-1 grew {df - dt:.2f} pt. The target carries little the labels '
                f'do not (see the target and fidelity lines); a better or softer target, or '
                f'stronger augmentation')))
    if margins and statistics.mean(margins) < noise.get('top1', 0.0):
        bar = (f'less than the {noise["top1"]:.2f} pt of one comparison\'s noise above it'
               if 'top1' in noise else 'below it (no noise floor for this protocol)')
        out['causes'].append(('weak_target', (
            f'the target is {statistics.mean(margins):+.2f} pt from the student alone on '
            f'held-out images ({source}), {bar}: the student distils towards something no '
            f'better than what it reaches alone. Use a better (fully trained, or larger) '
            f'teacher')))
    return out


def _fidelity(pairs, s):
    lines = []
    for where, prefix in (('training images', ''), ('held out', 'heldout/')):
        vals = {k: _mean([r['diag'].get(f'{prefix}{s}/{k}') for r, _ in pairs])
                for k in ('target_top1', 'agreement', 'kl', 'kl_T', 'target_entropy',
                          'target_entropy_T', 'target_ece', 'target_ece_T')}
        if None in (vals['target_top1'], vals['agreement'], vals['kl'],
                    vals['target_entropy']):
            continue
        t = _mean([r['diag'].get('temperature') for r, _ in pairs])
        text = (f'target on {where}: top-1 {vals["target_top1"]:.2f} %, entropy '
                f'{vals["target_entropy"]:.3f} nats at T = 1')
        if vals['target_entropy_T'] is not None and t not in (None, 1.0):
            text += f', {vals["target_entropy_T"]:.3f} at T = {t:g}'
        if vals['target_ece'] is not None:
            text += f'; ECE {vals["target_ece"]:.2f} %'
        text += f'; fidelity: agreement {vals["agreement"]:.1f} %, KL {vals["kl"]:.3f}'
        if vals['kl_T'] is not None and t not in (None, 1.0):
            text += f' (at T = {t:g}: {vals["kl_T"]:.3f})'
        lines.append(text)
    return lines


def summary(pairs, report):
    """The report's text: what was compared, the verdict, the evidence, the causes, the notes."""
    runs = [r for r, _ in pairs]
    seeds = [r['seed'] for r in runs]
    v = report['verdicts']
    lines = [f'{len(pairs)} pair(s) of run and baseline (seeds {seeds}); protocol '
             f'{runs[0]["protocol"] or "not named"}',
             f'verdict: {v["top1"]["word"]} — test top-1 {interval_text(v["top1"])} '
             f'({v["top1"]["basis"]})']
    for metric, unit in (('ECE', ' pt'), ('NLL', '')):
        if metric in v:
            lines.append(f'  {metric}: {v[metric]["word"]}, {interval_text(v[metric], unit)}')
    lines.append('evidence (against the baseline):')
    lines += [f'  {e}' for e in report['evidence']]
    if v['top1']['word'] == 'helped':
        lines.append('why not: nothing to explain (it helped)')
    elif report['causes']:
        lines.append('why not:')
        lines += [f'  [{rule}] {msg}' for rule, msg in report['causes']]
    else:
        lines.append('why not: no cause found (slower_fit, wider_gap, weak_target)')
    lines += [f'note [{rule}] {msg}' for rule, msg in report['notes']]
    return '\n'.join(lines)
