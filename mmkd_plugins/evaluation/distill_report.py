"""Read what :class:`~mmkd_plugins.engine.hooks.DistillDiagnosticsHook` logged and say why a
distillation run did (not) help: the rules behind ``tools/analysis/distill_report.py``.

A run is a work dir (or a ``vis_data`` folder, or a ``scalars.json``); its newest
``*/vis_data/scalars.json`` is read, and the ``config.py`` mmengine saved beside it names the
training data. Each rule states the situation it names, its threshold and the evidence the
threshold comes from (our committed results, ``benchmarks/accuracy/README.md``):

- ``slower_fit`` (needs a baseline: the same network trained alone, or the ``--distill-off``
  control): the student ends >= ``FIT_GAP`` pt below the baseline on its own training images
  and below it on the test set -> the distillation term slows the fit instead of regularising.
  Evidence: over the 35 committed (row, seed) pairs of the 40-epoch table the change in test
  top-1 follows the change in training-image top-1, Δtest ≈ 0.92 · Δtrain − 0.20 (r = 0.94).
- ``wrong_target``: the target the student distils towards is wrong (its arg-max is not the
  label) on more than ``WRONG_TARGET`` % of the training images. Evidence: ESKD (b) seed 1, whose
  epoch-20 teacher is at 77.5 % on the test set; the student copies it (77.53 %, −7.63 pt).
- ``dominant_gradient``: the median ratio of the distillation terms' gradient norm to the
  cross-entropy's at the logits, over the second half of training, exceeds
  ``GRAD_DOMINANCE``: the student learns mostly from the target, not from the labels.
  Threshold: ours, chosen (no committed run logged gradient ratios before this hook).
- ``over_confident``: the student's mean confidence on its training images exceeds its
  training-image top-1 by more than ``OVER_CONFIDENCE`` pt. Evidence: the Hinton KD rows, mean
  test confidence 0.89-0.90 against accuracy 0.86-0.87, ECE 3.22 ± 0.15 against 0.78 alone.
"""
import glob
import json
import os.path as osp
import statistics

FIT_GAP = 1.0  # pt of training-image top-1 below the baseline
WRONG_TARGET = 10.0  # % of training images whose target's arg-max is not the label
GRAD_DOMINANCE = 3.0  # median distillation / CE gradient-norm ratio at the logits
OVER_CONFIDENCE = 3.0  # pt of mean confidence above the training-image top-1
TEST_KEYS = ('kdcl/student0/top1', 'accuracy/top1')  # the test top-1 a run reports


class ReportError(ValueError):
    """Input the report cannot use (one line for the command line)."""


def find_scalars(path):
    """The ``scalars.json`` of a work dir (its newest run), a ``vis_data`` folder or the file."""
    if osp.isfile(path):
        return path
    for pattern in ('scalars.json', 'vis_data/scalars.json', '*/vis_data/scalars.json'):
        found = sorted(glob.glob(osp.join(path, pattern)))
        if found:
            return found[-1]
    if not osp.isdir(path):
        raise ReportError(f'{path}: no such run directory')
    raise ReportError(f'{path}: no scalars.json (looked for {path}/*/vis_data/scalars.json): '
                      'is it the work dir of an mmengine run?')


def read_run(path):
    """``dict(path, train=[...], val=[...], data)``: the run's training-iteration lines, its
    validation lines and its training data (from the saved config, or None)."""
    scalars = find_scalars(path)
    train, val = [], []
    with open(scalars) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                (val if any(k in row for k in TEST_KEYS) else train).append(row)
    if not val:
        raise ReportError(f'{scalars}: no validation line (train with validation on)')
    if not any(k.startswith('diag/') for row in val for k in row):
        raise ReportError(f'{scalars}: no diagnostics; add dict(type=\'DistillDiagnosticsHook\')'
                          f' to default_hooks (the protocol configs have it)')
    return dict(path=path, scalars=scalars, train=train, val=val,
                data=_training_data(osp.join(osp.dirname(scalars), 'config.py')))


def _training_data(config_py):
    """What the run trained on: (dataset type, data root, split, indices), from its config."""
    if not osp.isfile(config_py):
        return None
    from mmengine.config import Config
    ds = Config.fromfile(config_py).train_dataloader.dataset
    while 'dataset' in ds and 'data_root' not in ds:  # wrappers (RepeatDataset, ...)
        ds = ds.dataset
    return (ds.get('type'), ds.get('data_root'), ds.get('split'), ds.get('indices'))


def student_of(run):
    """The student the report speaks of: ``student`` (one student) or ``student0``."""
    keys = set(run['val'][-1])
    return 'student' if 'diag/student/fit_top1' in keys else 'student0'


def last(run, key):
    for row in reversed(run['val']):
        if key in row:
            return float(row[key])
    return None


def test_top1(run):
    return next(v for v in (last(run, k) for k in TEST_KEYS) if v is not None)


def curve(rows, key):
    return [(row.get('step', i), float(row[key])) for i, row in enumerate(rows) if key in row]


def diagnosis(run, baseline=None):
    """``[(rule, message)]`` for every rule that fires (an empty list: none did)."""
    if baseline is not None and None not in (run['data'], baseline['data']) and \
            run['data'] != baseline['data']:
        raise ReportError(f'--baseline {baseline["path"]} trained on {baseline["data"]}, the run '
                          f'on {run["data"]}: compare runs on the same training data')
    s = student_of(run)
    fit, conf = last(run, f'diag/{s}/fit_top1'), last(run, f'diag/{s}/confidence')
    found = []
    if baseline is not None:
        bs = student_of(baseline)
        d_train = fit - last(baseline, f'diag/{bs}/fit_top1')
        d_test = test_top1(run) - test_top1(baseline)
        if d_train <= -FIT_GAP and d_test < 0:
            found.append(('slower_fit', (
                f'{s} fits its training images {-d_train:.2f} pt less than the baseline and '
                f'tests {-d_test:.2f} pt lower: the distillation term is slowing the fit, not '
                f'regularising (in our table the test change follows the training-fit change, '
                f'Δtest ≈ 0.92 · Δtrain). Train longer, lower the distillation weight, or '
                f'start it after the student fits')))
    target = last(run, f'diag/{s}/target_top1')
    if target is not None and 100.0 - target > WRONG_TARGET:
        found.append(('wrong_target', (
            f'the target {s} distils towards is wrong on {100.0 - target:.1f} % of its training '
            f'images (> {WRONG_TARGET:g} %): a student that agrees with it '
            f'({last(run, f"diag/{s}/agreement"):.1f} % agreement) copies its errors. Use a '
            f'better teacher / ensemble, or weight the labels more')))
    ratios = [v for _, v in curve(run['train'], f'diag/grad_ratio/{s}')]
    ratios = ratios[len(ratios) // 2:]
    if ratios and statistics.median(ratios) > GRAD_DOMINANCE:
        found.append(('dominant_gradient', (
            f'at {s}\'s logits the distillation gradient is {statistics.median(ratios):.1f}x the '
            f'cross-entropy\'s (median over the second half of training; > {GRAD_DOMINANCE:g}x): '
            f'the student learns from the target far more than from the labels. Lower the '
            f'distillation weight or the temperature')))
    if fit is not None and conf is not None and 100.0 * conf - fit > OVER_CONFIDENCE:
        found.append(('over_confident', (
            f'{s} is over-confident: mean confidence {100.0 * conf:.1f} % against '
            f'{fit:.1f} % top-1 on its training images (> {OVER_CONFIDENCE:g} pt); expect a high '
            f'ECE. A softer target (higher T) or a smaller distillation weight')))
    return found


def summary(run, baseline=None):
    """The report's text: the run's last numbers (and the baseline's), then the diagnosis."""
    s = student_of(run)
    lines = [f'run: {run["scalars"]}']
    rows = [('run', run)] + ([('baseline', baseline)] if baseline is not None else [])
    for name, r in rows:
        st = student_of(r)
        target = last(r, f'diag/{st}/target_top1')
        lines.append(
            f'  {name}: test top-1 {test_top1(r):.2f}; {st} on its training images: top-1 '
            f'{last(r, f"diag/{st}/fit_top1"):.2f}, confidence '
            f'{100 * last(r, f"diag/{st}/confidence"):.1f} %'
            + ('' if target is None else f'; target top-1 {target:.2f}, agreement '
               f'{last(r, f"diag/{st}/agreement"):.1f} %'))
    if baseline is not None:
        d_fit = last(run, f'diag/{s}/fit_top1') - \
            last(baseline, f'diag/{student_of(baseline)}/fit_top1')
        lines.append(f'  run - baseline: training-image top-1 {d_fit:+.2f} pt, test top-1 '
                     f'{test_top1(run) - test_top1(baseline):+.2f} pt')
    ratios = [v for _, v in curve(run['train'], f'diag/grad_ratio/{s}')]
    if ratios:
        half = ratios[len(ratios) // 2:]
        lines.append(f'  distill / CE gradient norm at the logits: median '
                     f'{statistics.median(half):.2f} over the second half of training (range '
                     f'{min(half):.2f}-{max(half):.2f})')
    found = diagnosis(run, baseline)
    needs = '' if baseline is not None else '; slower_fit needs --baseline'
    lines.append('diagnosis:' if found else
                 f'diagnosis: no rule fired for {s} (slower_fit, wrong_target, dominant_gradient, '
                 f'over_confident{needs})')
    lines += [f'  [{rule}] {msg}' for rule, msg in found]
    return '\n'.join(lines), found
