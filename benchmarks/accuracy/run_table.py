"""The accuracy table: every method under one protocol, at convergence, results that accumulate.

Protocol (README "Accuracy table"; the configs are the repository's Fashion-MNIST configs, which
all inherit ``configs/_base_/protocols/fashion-mnist-5k.py``): the first 5,000 Fashion-MNIST
training images, the full 10,000-image test set, 40 epochs of SGD (lr 0.1, x0.1 at 20 and 30),
batch 128. Teacher-student rows: teacher resnet20 (trained by the same protocol, one per seed:
the student of seed k learns from the teacher of seed k), student resnet8x0.5 (resnet20 is 2.1 pt
above it; only 1.0 above resnet8), compared with resnet8x0.5 alone. Online rows (KDCL, DML,
IE-DML): two resnet8, compared with resnet8 alone (DML and KDCL-MinLogit also with two
resnet20, compared with resnet20 alone). PS-KD self-distils resnet20 and is compared with
resnet20 alone (the teacher row). Seeds 0 1 2.

Each finished (row, seed) run is written to ``benchmarks/accuracy/results/<row>/seed<k>.json``:
``metrics`` (final top-1, ECE, AURC, E-AURC, NLL, and every student / the ensemble for online
methods), ``curve`` (test top-1 after every epoch), ``train_curve`` (top-1 on 1,000 training
images, without augmentation, after every epoch), ``reliability`` (10 equal-width confidence bins
of the final model on the test set), ``train_s`` and ``protocol`` (config, n_train, epochs,
student, teacher, git commit, machine, date). Runs whose file exists are skipped, so the table
resumes across sessions; checkpoints the later rows need (teachers, IE-KD stage 1, the TAKD
assistant) are retrained into ``work_dirs/accuracy/`` when missing.

    python benchmarks/accuracy/run_table.py                      # core rows first, seed-major
    python benchmarks/accuracy/run_table.py --rows alone teacher kd --seeds 0
    python benchmarks/accuracy/run_table.py --report-only        # table + figures from results/
"""
import argparse
import datetime
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import time

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HERE))
RESULTS = osp.join(HERE, 'results')
WORK = osp.join(REPO, 'work_dirs', 'accuracy')
SMOKE = None  # a config edit that shrinks every run (--smoke; tests)
EPOCHS = 40  # the protocol's; checkpoints epoch_{EPOCHS}.pth and, for ESKD (b), the middle one
FIGURES = osp.join(REPO, 'docs', 'figures')
N_TRAIN_CURVE = 1000  # training images scored after every epoch (train accuracy curve)

C = 'configs/'
TEACHER_CFG = C + 'teachers/resnet20_1xb128_fashion-mnist-5k.py'
STAGE1_CFG = C + 'iekd/iekd-stage1_resnet20_1xb128_fashion-mnist-5k.py'
TAKD1_CFG = C + 'takd/takd-stage1_resnet20_resnet14_1xb128_fashion-mnist-5k.py'

# key: (label, config, kind, baseline row, core row). Online rows report student 0.
ROWS = {
    'alone': ('resnet8 alone (the online rows\' baseline)',
              C + 'baseline/resnet8_1xb128_fashion-mnist-5k.py', 'plain', None, True),
    'resnet8x0.5': ('resnet8x0.5 alone (the teacher-student rows\' baseline)',
                    C + 'baseline/resnet8x0.5_1xb128_fashion-mnist-5k.py', 'plain', None, True),
    'teacher': ('resnet20 alone (the teacher)', TEACHER_CFG, 'teacher', None, True),
    'kd': ('Hinton KD', C + 'kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'kd',
           'resnet8x0.5', True),
    'pskd': ('PS-KD (resnet20, vs resnet20 alone)',
             C + 'pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py', 'plain', 'teacher', True),
    'kdcl_minlogit': ('KDCL-MinLogit (2 x resnet8, student 0)',
                      C + 'kdcl/kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-5k.py', 'online',
                      'alone', True),
    'kdcl_linear': ('KDCL-Linear (2 x resnet8, student 0)',
                    C + 'kdcl/kdcl-linear_2xresnet8_1xb128_fashion-mnist-5k.py', 'online',
                    'alone', True),
    'iekd': ('IE-KD', C + 'iekd/iekd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'iekd',
             'resnet8x0.5', True),
    'dml': ('DML (2 x resnet8, student 0)', C + 'dml/dml_2xresnet8_1xb128_fashion-mnist-5k.py',
            'online', 'alone', True),
    'fitnets': ('FitNets', C + 'fitnets/fitnets_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
                'kd', 'resnet8x0.5', False),
    'at': ('AT', C + 'at/at_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'kd',
           'resnet8x0.5', False),
    'takd': ('TAKD (resnet20 > resnet14 > resnet8x0.5)',
             C + 'takd/takd-stage2_resnet14_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'takd',
             'resnet8x0.5', False),
    'eskd_a': ('ESKD (a): KD for epochs 1-20',
               C + 'eskd/eskd-a_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'kd',
               'resnet8x0.5', False),
    'eskd_b': ('ESKD (b): teacher of epoch 20',
               C + 'eskd/eskd-b_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'kd_early',
               'resnet8x0.5', False),
    'kdcl_naive': ('KDCL-Naive (2 x resnet8, student 0)',
                   C + 'kdcl/kdcl-naive_2xresnet8_1xb128_fashion-mnist-5k.py', 'online',
                   'alone', False),
    'kdcl_general': ('KDCL-General (2 x resnet8, student 0)',
                     C + 'kdcl/kdcl-general_2xresnet8_1xb128_fashion-mnist-5k.py', 'online',
                     'alone', False),
    'iekd_kd': ('IE-KD + KD', C + 'iekd/iekd-kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
                'iekd', 'resnet8x0.5', False),
    'iedml': ('IE-DML (2 x resnet8, student 0)',
              C + 'iekd/iedml_2xresnet8_1xb128_fashion-mnist-5k.py', 'online', 'alone', False),
    # the online methods with students that fit the data better: against resnet20 alone
    'dml_r20': ('DML (2 x resnet20, student 0; vs resnet20 alone)',
                C + 'dml/dml_2xresnet20_1xb128_fashion-mnist-5k.py', 'online', 'teacher', False),
    'kdcl_minlogit_r20': ('KDCL-MinLogit (2 x resnet20, student 0; vs resnet20 alone)',
                          C + 'kdcl/kdcl-minlogit_2xresnet20_1xb128_fashion-mnist-5k.py',
                          'online', 'teacher', False),
    'resnet8x4': ('resnet8x4 alone (teacher candidate)',
                  C + 'baseline/resnet8x4_1xb128_fashion-mnist-5k.py', 'plain', None, False),
}
CALIBRATION = [dict(type='Accuracy', topk=(1, )), dict(type='ECE'), dict(type='AURC'),
               dict(type='EAURC'), dict(type='NLL')]


def git_commit():
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO, text=True,
                              capture_output=True).stdout.strip()
    except OSError:
        return 'unknown'


def machine():
    import torch
    return (f'{platform.node()}: {os.cpu_count()} CPU cores, no GPU, '
            f'torch threads {torch.get_num_threads()}')


# -- one run ---------------------------------------------------------------------------------
def _curve_hook_class():
    import torch
    from mmengine.hooks import Hook
    from mmengine.model import is_model_wrapper

    class CurveHook(Hook):
        """Test top-1 after every epoch (from the val metrics) and top-1 on a fixed set of
        training images without augmentation (train accuracy)."""
        priority = 'LOW'

        def __init__(self, metric, train_loader):
            self.metric, self.loader = metric, train_loader
            self.curve, self.train_curve, self.last_metrics = [], [], {}

        def after_val_epoch(self, runner, metrics=None):
            if metrics and self.metric in metrics:
                self.curve.append(round(float(metrics[self.metric]), 4))
                self.last_metrics = {k: float(v) for k, v in metrics.items()}

        def after_train_epoch(self, runner):
            model = runner.model.module if is_model_wrapper(runner.model) else runner.model
            model.eval()
            correct = n = 0
            with torch.no_grad():
                for batch in self.loader:
                    for s in model.val_step(batch):
                        correct += int(s.pred_score.argmax() == s.gt_label.reshape(-1)[0])
                        n += 1
            model.train()
            self.train_curve.append(round(100.0 * correct / n, 4))

    return CurveHook


def reliability(runner, n_bins=10):
    """Equal-width confidence bins of the final model on the test set (reliability diagram)."""
    import torch
    from mmengine.model import is_model_wrapper
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    model.eval()
    conf, hit = [], []
    with torch.no_grad():
        for batch in runner.val_dataloader:
            for s in model.val_step(batch):
                p = s.pred_score
                conf.append(float(p.max()))
                hit.append(int(p.argmax() == s.gt_label.reshape(-1)[0]))
    bins = []
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        idx = [i for i, c in enumerate(conf) if (lo < c <= hi) or (b == 0 and c == 0)]
        bins.append(dict(lo=lo, hi=hi, count=len(idx),
                         confidence=statistics.mean(conf[i] for i in idx) if idx else None,
                         accuracy=statistics.mean(hit[i] for i in idx) if idx else None))
    return bins


def train_config(config, seed, work_dir, edit=None, curves=False, multi=False):
    """Train ``config`` with ``seed`` into ``work_dir``; returns (runner, hook, seconds)."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    cfg.default_hooks.logger.interval = 1000
    if curves:
        cfg.val_evaluator = CALIBRATION + ([dict(type='KDCLAccuracy')] if multi else [])
        cfg.test_evaluator = cfg.val_evaluator
    if edit is not None:
        edit(cfg)
    if SMOKE:
        SMOKE(cfg)
    runner = Runner.from_cfg(cfg)
    hook = None
    if curves:
        loader_cfg = dict(cfg.val_dataloader)
        loader_cfg['dataset'] = dict(cfg.train_dataloader.dataset)
        loader_cfg['dataset']['indices'] = N_TRAIN_CURVE
        loader_cfg['dataset']['pipeline'] = [dict(type='PackInputs')]
        loader_cfg['num_workers'], loader_cfg['persistent_workers'] = 0, False
        metric = 'kdcl/student0/top1' if multi else 'accuracy/top1'
        hook = _curve_hook_class()(metric, runner.build_dataloader(loader_cfg))
        runner.register_hook(hook)
    t = time.perf_counter()
    runner.train()
    seconds = time.perf_counter() - t
    return runner, hook, seconds


class Table:

    def __init__(self, args):
        self.args = args

    # -- prerequisites (checkpoints, retrained when missing) ----------------------------------
    def teacher_ckpt(self, seed, epoch=None):
        epoch = epoch or EPOCHS
        ckpt = osp.join(WORK, 'teacher', f'seed{seed}', f'epoch_{epoch}.pth')
        if not osp.isfile(ckpt):
            self.run_row('teacher', seed, force=True)
        return ckpt

    def _distilled(self, name, config, seed):
        """Train a prerequisite distillation run (from the seed's teacher) once; its last
        checkpoint."""
        work = osp.join(WORK, name, f'seed{seed}')
        ckpt = osp.join(work, f'epoch_{EPOCHS}.pth')
        if not osp.isfile(ckpt):
            teacher = self.teacher_ckpt(seed)
            print(f'[table] {name}, seed {seed}', flush=True)

            def edit(cfg):
                cfg.model.teacher_ckpt = teacher
            _, _, s = train_config(config, seed, work, edit)
            self._prereq_seconds(f'{name}_seed{seed}', s)
        return ckpt

    def stage1_ckpt(self, seed):
        return self._distilled('iekd_stage1', STAGE1_CFG, seed)

    def assistant(self, seed):
        """TAKD's assistant (resnet14), exported as a plain classifier for stage 2."""
        out = osp.join(WORK, 'takd_assistant', f'seed{seed}', 'student.pth')
        if not osp.isfile(out):
            from mmkd_plugins.export import export_student
            export_student(self._distilled('takd_assistant', TAKD1_CFG, seed), out)
        return out

    def _prereq_seconds(self, key, seconds):
        path = osp.join(RESULTS, 'prerequisites.json')
        data = json.load(open(path)) if osp.isfile(path) else {}
        data[key] = round(seconds, 1)
        os.makedirs(RESULTS, exist_ok=True)
        with open(path, 'w') as f:
            json.dump(data, f, indent=1, sort_keys=True)

    # -- rows -----------------------------------------------------------------------------------
    def run_row(self, key, seed, force=False):
        label, config, kind, _, _ = ROWS[key]
        out = osp.join(RESULTS, key, f'seed{seed}.json')
        if osp.isfile(out) and not force:
            return json.load(open(out))
        if self.args.report_only:
            return None
        teacher = None
        if kind in ('kd', 'iekd'):
            teacher = self.teacher_ckpt(seed)
        elif kind == 'kd_early':
            teacher = self.teacher_ckpt(seed, epoch=EPOCHS // 2)
        elif kind == 'takd':
            teacher = self.assistant(seed)
        stage1 = self.stage1_ckpt(seed) if kind == 'iekd' else None

        def edit(cfg):
            if teacher is not None:
                cfg.model.teacher_ckpt = teacher
            if stage1 is not None:
                cfg.model.distiller.connectors.teacher_factor.stage1_checkpoint = stage1
        work = osp.join(WORK, key, f'seed{seed}')
        if kind == 'teacher':
            work = osp.join(WORK, 'teacher', f'seed{seed}')
        print(f'[table] {key} seed {seed} ({config})', flush=True)
        runner, hook, seconds = train_config(config, seed, work, edit, curves=True,
                                             multi=kind == 'online')
        metrics = hook.last_metrics  # the last epoch's test metrics
        cfg = runner.cfg
        model = cfg.model
        student = (model.get('architecture') or model.get('students', [model])[0] or model)
        student_arch = student.get('backbone', {}).get('arch', '?')
        if model.get('students'):
            student_arch = ' + '.join(s.backbone.arch for s in model.students)
        result = dict(
            row=key, label=label, seed=seed, metrics=metrics, curve=hook.curve,
            train_curve=hook.train_curve, reliability=reliability(runner),
            train_s=round(seconds, 1),
            protocol=dict(config=config, n_train=len(runner.train_dataloader.dataset),
                          epochs=cfg.train_cfg.max_epochs,
                          batch_size=cfg.train_dataloader.batch_size, student=student_arch,
                          teacher=(model.get('teacher') or {}).get('backbone', {}).get('arch'),
                          git_commit=git_commit(), machine=machine(),
                          date=datetime.date.today().isoformat()))
        if force and osp.isfile(out):  # a teacher retrained for its checkpoint only
            return json.load(open(out))
        os.makedirs(osp.dirname(out), exist_ok=True)
        with open(out, 'w') as f:
            json.dump(result, f, indent=1)
        print(f'[table] {key} seed {seed}: top-1 {metrics.get(metric_key(key))} '
              f'ECE {metrics.get("ECE")} ({seconds:.0f} s) -> {osp.relpath(out, REPO)}',
              flush=True)
        if self.args.commit:
            subprocess.run(['git', 'add', out], cwd=REPO)
            subprocess.run(['git', 'commit', '-q', '-m', f'accuracy table: {key} seed {seed}',
                            '--', out], cwd=REPO)
        return result

    def main(self):
        a = self.args
        wanted = a.rows or list(ROWS)
        unknown = [r for r in wanted if r not in ROWS]
        if unknown:
            raise SystemExit(f'--rows: unknown {unknown}; rows are {list(ROWS)}')
        if not a.report_only:
            os.chdir(REPO)
            import mmkd_plugins  # noqa: F401
            core = [k for k in wanted if ROWS[k][4]]
            others = [k for k in wanted if not ROWS[k][4]]
            for keys in (core, others):  # the core rows for every seed first, seed-major
                for seed in a.seeds:
                    for key in keys:
                        self.run_row(key, seed)
        report()


def metric_key(key):
    return 'kdcl/student0/top1' if ROWS[key][2] == 'online' else 'accuracy/top1'


# -- report --------------------------------------------------------------------------------------
def load_results():
    out = {}
    for key in ROWS:
        d = osp.join(RESULTS, key)
        if osp.isdir(d):
            runs = [json.load(open(osp.join(d, f))) for f in sorted(os.listdir(d))
                    if f.startswith('seed') and f.endswith('.json')]
            if runs:
                out[key] = {r['seed']: r for r in runs}
    return out


def _ms(vals):
    if not vals:
        return 'n/a'
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return f'{statistics.mean(vals):.2f} ± {sd:.2f}'


def plateau_gain(curve):
    """Top-1 gained over the last 20 % of epochs (convergence: < 0.3 pt)."""
    k = max(1, round(0.2 * len(curve)))
    return curve[-1] - curve[-k - 1] if len(curve) > k else float('nan')


def report():
    res = load_results()
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
                name += f'; student 1 {_ms(s1)}; ensemble {_ms(ens)}'
        rel = 'n/a'
        if alone0 and 0 in runs and runs[0]['protocol']['machine'] == alone0['protocol']['machine']:
            rel = f'{runs[0]["train_s"] / alone0["train_s"]:.2f}'
        lines.append(f'| {name} | {len(seeds)} ({",".join(map(str, seeds))}) | {_ms(top1)} | '
                     f'{_ms(dtop) if dtop else "—"} | {_ms(ece)} | {_ms(dece) if dece else "—"} | '
                     f'{_ms(nll)} | {max(gains):.2f} (max) | {rel} |')
    dates = sorted({r['protocol']['date'] for runs in res.values() for r in runs.values()})
    machines = sorted({r['protocol']['machine'] for runs in res.values() for r in runs.values()})
    lines += ['', f'Rows marked * are not core rows. Δ: the row minus its baseline on the same '
              f'seed (online rows: resnet8 alone, those of 2 x resnet20: resnet20 alone; '
              f'teacher-student rows: resnet8x0.5 alone; PS-KD: resnet20 alone), '
              f'mean ± std over the seeds both have. '
              f'Dates: {", ".join(dates)}; machine: {"; ".join(machines)}.']
    text = '\n'.join(lines)
    print(text)
    os.makedirs(RESULTS, exist_ok=True)
    with open(osp.join(RESULTS, 'table.md'), 'w') as f:
        f.write(text + '\n')
    if not SMOKE:
        replace_block(osp.join(REPO, 'README.md'), 'accuracy-table', text)
        update_model_zoo()
    try:
        figures(res)
    except ImportError as e:  # matplotlib missing: the table alone
        print(f'[table] no figures: {e}')


def update_model_zoo():
    """Rewrite the families' metafiles and README results blocks from the results."""
    sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
    try:
        import model_zoo
        changed = model_zoo.update(table=sys.modules[__name__])
    finally:
        sys.path.pop(0)
    print(f'[table] model zoo: {", ".join(changed) or "up to date"}')


def replace_block(path, name, text):
    """Put ``text`` between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in ``path``."""
    begin, end = f'<!-- {name}:begin -->', f'<!-- {name}:end -->'
    doc = open(path).read()
    if begin not in doc or end not in doc:
        return False
    head, rest = doc.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, 'w') as f:
        f.write(f'{head}{begin}\n{text}\n{end}{tail}')
    return True


def figures(res):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    os.makedirs(FIGURES, exist_ok=True)
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
    fig.savefig(osp.join(FIGURES, 'accuracy_curves.png'), dpi=90)
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
        fig.savefig(osp.join(FIGURES, 'reliability_pskd_vs_baseline.png'), dpi=90)
        plt.close(fig)


def _smoke_edit(cfg):
    cfg.train_cfg.max_epochs = EPOCHS
    cfg.train_dataloader.dataset.indices = 64
    cfg.train_dataloader.batch_size = 32
    cfg.val_dataloader.dataset.indices = 64
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    for hook in cfg.get('custom_hooks', []):
        if 'stop_epoch' in hook:
            hook.stop_epoch = 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--rows', nargs='+', help=f'any of {list(ROWS)} (default: all, in order)')
    p.add_argument('--report-only', action='store_true',
                   help='rebuild table.md and the figures from results/, train nothing')
    p.add_argument('--commit', action='store_true',
                   help='git-commit each result file as soon as it is written')
    p.add_argument('--smoke', metavar='DIR',
                   help='a plumbing check, not the protocol: 64 images, 2 epochs, results and '
                        'work files under DIR')
    args = p.parse_args(argv)
    if args.smoke:
        global RESULTS, WORK, FIGURES, SMOKE, EPOCHS
        EPOCHS = 2
        RESULTS = osp.join(args.smoke, 'results')
        WORK = osp.join(args.smoke, 'work')
        FIGURES = osp.join(args.smoke, 'figures')
        SMOKE = _smoke_edit
    sys.path.insert(0, REPO)
    Table(args).main()


if __name__ == '__main__':
    main()
