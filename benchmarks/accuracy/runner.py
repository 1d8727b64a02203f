"""The accuracy table's runs: one (row, seed) trained through mmengine's Runner, its curves and
final test metrics written as one result file (format: :mod:`.protocol`).

Runs whose file exists are skipped, so the table resumes across sessions; checkpoints the later
rows need (teachers, IE-KD stage 1, the TAKD assistant) are retrained into the work folder when
missing.
"""
import datetime
import hashlib
import json
import os
import os.path as osp
import platform
import subprocess
import time

import numpy as np
import torch
from mmengine.hooks import Hook

from mmkd_plugins.engine.hooks import DistillDiagnosticsHook
from mmkd_plugins.evaluation import reliability_bins
from mmkd_plugins.utils import sample_labels, unwrap_model

from .protocol import (CALIBRATION, N_TRAIN_CURVE, REPO, ROWS, STAGE1, TAKD1_CFG, TEACHERS,
                       metric_key, protocol_config, protocol_rows)


def git_commit():
    try:
        return subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO, text=True,
                              capture_output=True).stdout.strip()
    except OSError:
        return 'unknown'


def machine():
    gpu = (f'GPU {torch.cuda.get_device_name(0)}' if torch.cuda.is_available() else 'no GPU')
    return (f'{platform.node()}: {os.cpu_count()} CPU cores, {gpu}, '
            f'torch threads {torch.get_num_threads()}')


def checkpoint_run(path):
    """Which run a checkpoint (a teacher, IE-KD's stage 1, TAKD's assistant) comes from: its
    file name and the first 12 hex digits of the file's sha256 (the file is hashed, not
    unpickled).

    Training on CPU is not bitwise repeatable: seed 1's teacher retrained on 2026-12-05 scores
    85.04 % on the test images where its result file (an earlier run) says 85.47 %. Two rows of
    one seed share a teacher only when this matches; a missing checkpoint gives None."""
    if not path or not osp.isfile(path):
        return None
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return dict(sha256=digest.hexdigest()[:12], file=osp.basename(path))


def set_data_root(cfg, data_root):
    """Point every Fashion-MNIST loader of ``cfg`` at ``data_root`` (a folder of the four
    ``*-ubyte.gz`` files: a machine without the Debian package)."""
    loaders = [cfg.get(name) for name in ('train_dataloader', 'val_dataloader',
                                          'test_dataloader')]
    loaders += [h.get('heldout_dataloader') for h in cfg.get('custom_hooks', [])]  # KDCL-General
    for loader in loaders:
        dataset = (loader or {}).get('dataset') or {}
        if str(dataset.get('type', '')).endswith('LocalFashionMNIST'):
            dataset['data_root'] = data_root


def predict(model, loader):
    """(softmax scores N x C, labels N) of ``model`` (unwrapped) on every batch of ``loader``."""
    model = unwrap_model(model)
    was_training = model.training
    model.eval()
    scores, labels = [], []
    with torch.no_grad():
        for batch in loader:
            samples = model.val_step(batch)
            scores.append(torch.stack([s.pred_score.float().cpu() for s in samples]))
            labels.append(sample_labels(samples).cpu())
    model.train(was_training)
    return torch.cat(scores), torch.cat(labels)


class CurveHook(Hook):
    """At every validation: test top-1 (from the val metrics) and top-1 on a fixed set of
    training images without augmentation (train accuracy; fashion-mnist-1k: the whole subset),
    read from the diagnostics hook where it scored the same images (no second pass)."""
    priority = 'LOW'

    def __init__(self, metric, train_loader):
        self.metric, self.loader = metric, train_loader
        self.curve, self.train_curve, self.last_metrics = [], [], {}
        self.epochs, self.loss_curve, self._last_iter = [], [], 0
        self._same = None  # whether the diagnostics hook scores the same images

    def after_val_epoch(self, runner, metrics=None):
        if metrics and self.metric in metrics:
            self.curve.append(round(float(metrics[self.metric]), 4))
            self.last_metrics = {k: float(v) for k, v in metrics.items()}
        self.epochs.append(runner.epoch)
        # the mean training loss (augmented batches, total of the logged losses) of the
        # iterations since the last validation
        buf = runner.message_hub.log_scalars.get('train/loss')
        n = runner.iter - self._last_iter
        self._last_iter = runner.iter
        self.loss_curve.append(round(float(buf.mean(n)), 5) if buf is not None and n else None)
        fit = self.diagnosed_fit(runner)
        if fit is None:
            scores, labels = predict(runner.model, self.loader)
            fit = 100.0 * float((scores.argmax(1) == labels).double().mean())
        self.train_curve.append(round(fit, 4))

    def diagnosed_fit(self, runner):
        """The training-image top-1 that the run's DistillDiagnosticsHook measured at this
        validation (the student's, or student 0's: what ``predict`` scores) when it scored the
        same images in the same order through the same transforms; else ``None`` (the images
        are scored here)."""
        hook = diagnostics_hook(runner)
        if (hook is None or hook.loader is None or not hook.history
                or hook.history[-1]['iter'] != runner.iter):
            return None
        if self._same is None:  # checked once: the loaders are fixed for the run
            self._same = (list(hook.positions) == list(range(len(self.loader.dataset)))
                          and same_images(hook.loader.dataset, self.loader.dataset))
        for key in ('student/fit_top1', 'student0/fit_top1'):
            if self._same and key in hook.history[-1]:
                return hook.history[-1][key]
        return None


def diagnostics_hook(runner):
    """The run's DistillDiagnosticsHook, or ``None``."""
    return next((h for h in runner.hooks if isinstance(h, DistillDiagnosticsHook)), None)


def same_images(a, b):
    """Whether two datasets hold the same images and labels in the same order, through the
    same transforms."""
    if len(a) != len(b) or ([type(t) for t in a.pipeline.transforms]
                            != [type(t) for t in b.pipeline.transforms]):
        return False
    for i in range(len(a)):
        x, y = a.get_data_info(i), b.get_data_info(i)
        if x.keys() != y.keys() or any(not np.array_equal(x[k], y[k]) for k in x):
            return False
    return True


def reliability(runner, n_bins=10):
    """Equal-width confidence bins of the final model on the test set (reliability diagram)."""
    return reliability_bins(*predict(runner.model, runner.val_dataloader), n_bins)


def train_config(config, seed, work_dir, settings, edit=None, curves=False, multi=False):
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
    if settings.smoke:
        settings.smoke(cfg)
    if settings.data_root:
        set_data_root(cfg, settings.data_root)
    runner = Runner.from_cfg(cfg)
    hook = None
    if curves:
        loader_cfg = dict(cfg.val_dataloader)
        loader_cfg['dataset'] = dict(cfg.train_dataloader.dataset)
        loader_cfg['dataset']['indices'] = N_TRAIN_CURVE
        loader_cfg['dataset']['pipeline'] = [dict(type='PackInputs')]
        loader_cfg['num_workers'], loader_cfg['persistent_workers'] = 0, False
        metric = 'kdcl/student0/top1' if multi else 'accuracy/top1'
        hook = CurveHook(metric, runner.build_dataloader(loader_cfg))
        runner.register_hook(hook)
    t = time.perf_counter()
    runner.train()
    seconds = time.perf_counter() - t
    return runner, hook, seconds


class Table:
    """Trains the rows' missing (row, seed) runs, their prerequisites first.

    Args:
        settings (Settings): where results and work files go, epochs, smoke edit.
        commit (bool): git-commit each result file as soon as it is written.
    """

    def __init__(self, settings, commit=False):
        self.settings, self.commit = settings, commit

    # -- prerequisites (checkpoints, retrained when missing) ----------------------------------
    def config(self, key_or_path):
        """A row's config in the table's protocol; a clear error where it has none."""
        config = self.settings.config(key_or_path)
        if not osp.isfile(osp.join(REPO, config)):
            raise FileNotFoundError(
                f'{config}: no config of {key_or_path!r} in protocol '
                f'{self.settings.protocol!r}; its rows are {protocol_rows(self.settings.protocol)}')
        return config

    def teacher_ckpt(self, seed, epoch=None, row='teacher'):
        """The checkpoint of ``row`` (the teacher, or a baseline serving as one) for ``seed``,
        retrained into the work folder when missing."""
        epoch = epoch or self.settings.epochs
        ckpt = osp.join(self.settings.work, row, f'seed{seed}', f'epoch_{epoch}.pth')
        if not osp.isfile(ckpt):
            self.run_row(row, seed, force=True)
        return ckpt

    def _distilled(self, name, config, seed, teacher_row='teacher'):
        """Train a prerequisite distillation run (from the seed's teacher) once; its last
        checkpoint."""
        work = osp.join(self.settings.work, name, f'seed{seed}')
        ckpt = osp.join(work, f'epoch_{self.settings.epochs}.pth')
        if not osp.isfile(ckpt):
            teacher = self.teacher_ckpt(seed, row=teacher_row)
            print(f'[table] {name}, seed {seed}', flush=True)

            def edit(cfg):
                cfg.model.teacher_ckpt = teacher
            _, _, s = train_config(config, seed, work, self.settings, edit)
            self._prereq_seconds(f'{name}_seed{seed}', s)
        return ckpt

    def stage1_ckpt(self, seed, teacher_row='teacher'):
        """IE-KD's stage 1 (FT's paraphraser) on ``teacher_row``'s checkpoint."""
        name = 'iekd_stage1' if teacher_row == 'teacher' else f'iekd_stage1_{teacher_row}'
        return self._distilled(name, self.config(STAGE1[teacher_row]), seed, teacher_row)

    def assistant(self, seed):
        """TAKD's assistant (resnet14), exported as a plain classifier for stage 2."""
        out = osp.join(self.settings.work, 'takd_assistant', f'seed{seed}', 'student.pth')
        if not osp.isfile(out):
            from mmkd_plugins.export import export_student
            export_student(self._distilled('takd_assistant', self.config(TAKD1_CFG), seed), out)
        return out

    def _prereq_seconds(self, key, seconds):
        path = osp.join(self.settings.results, 'prerequisites.json')
        data = {}
        if osp.isfile(path):
            with open(path) as f:
                data = json.load(f)
        data[key] = round(seconds, 1)
        os.makedirs(self.settings.results, exist_ok=True)
        with open(path, 'w') as f:
            json.dump(data, f, indent=1, sort_keys=True)

    # -- rows -----------------------------------------------------------------------------------
    def run_row(self, key, seed, force=False):
        """The row's result for ``seed``: read from its file, or trained and written."""
        label, _, kind, _, _ = ROWS[key]
        config = self.config(key)
        out = osp.join(self.settings.results, key, f'seed{seed}.json')
        if osp.isfile(out) and not force:
            with open(out) as f:
                return json.load(f)
        teacher = None
        if kind in ('kd', 'iekd'):
            teacher = self.teacher_ckpt(seed, row=TEACHERS[key])
        elif kind == 'kd_early':
            teacher = self.teacher_ckpt(seed, epoch=self.settings.epochs // 2)
        elif kind == 'takd':
            teacher = self.assistant(seed)
        stage1 = self.stage1_ckpt(seed, TEACHERS[key]) if kind == 'iekd' else None

        def edit(cfg):
            if teacher is not None:
                cfg.model.teacher_ckpt = teacher
            if stage1 is not None:
                cfg.model.distiller.connectors.teacher_factor.stage1_checkpoint = stage1
        work = osp.join(self.settings.work, 'teacher' if kind == 'teacher' else key,
                        f'seed{seed}')
        print(f'[table] {key} seed {seed} ({config})', flush=True)
        runner, hook, seconds = train_config(config, seed, work, self.settings, edit,
                                             curves=True, multi=kind == 'online')
        if force and osp.isfile(out):  # a teacher retrained for its checkpoint only
            with open(out) as f:
                return json.load(f)
        result = self._result(key, seed, runner, hook, seconds, self.settings.protocol)
        os.makedirs(osp.dirname(out), exist_ok=True)
        with open(out, 'w') as f:
            json.dump(result, f, indent=1)
        metrics = result['metrics']
        print(f'[table] {key} seed {seed}: top-1 {metrics.get(metric_key(key))} '
              f'ECE {metrics.get("ECE")} ({seconds:.0f} s) -> {osp.relpath(out, REPO)}',
              flush=True)
        if self.commit:
            subprocess.run(['git', 'add', out], cwd=REPO)
            subprocess.run(['git', 'commit', '-q', '-m', f'accuracy table: {key} seed {seed}',
                            '--', out], cwd=REPO)
        return result

    @staticmethod
    def _result(key, seed, runner, hook, seconds, protocol):
        cfg = runner.cfg
        model = cfg.model
        student = (model.get('architecture') or model.get('students', [model])[0] or model)
        student_arch = student.get('backbone', {}).get('arch', '?')
        if model.get('students'):
            student_arch = ' + '.join(s.backbone.arch for s in model.students)
        diag = diagnostics_hook(runner)
        diagnostics = diag.history if diag is not None else []
        return dict(
            row=key, label=ROWS[key][0], seed=seed, metrics=hook.last_metrics,  # last epoch's
            curve=hook.curve, train_curve=hook.train_curve, epochs=hook.epochs,
            train_loss_curve=hook.loss_curve, reliability=reliability(runner),
            diagnostics=diagnostics,  # DistillDiagnosticsHook: one dict per validation
            train_s=round(seconds, 1),
            teacher_run=checkpoint_run(model.get('teacher_ckpt')),
            stage1_run=checkpoint_run(
                (((model.get('distiller') or {}).get('connectors') or {})
                 .get('teacher_factor') or {}).get('stage1_checkpoint')),
            protocol=dict(name=protocol, config=protocol_config(ROWS[key][1], protocol),
                          n_train=len(runner.train_dataloader.dataset),
                          epochs=cfg.train_cfg.max_epochs,
                          batch_size=cfg.train_dataloader.batch_size, student=student_arch,
                          teacher=(model.get('teacher') or {}).get('backbone', {}).get('arch'),
                          git_commit=git_commit(), machine=machine(),
                          date=datetime.date.today().isoformat()))

    def run(self, rows, seeds):
        """The core rows for every seed first (seed-major), then the others."""
        for key in rows:
            self.config(key)  # every row has a config in the protocol, before any training
        core = [k for k in rows if ROWS[k][4]]
        others = [k for k in rows if not ROWS[k][4]]
        for keys in (core, others):
            for seed in seeds:
                for key in keys:
                    self.run_row(key, seed)
