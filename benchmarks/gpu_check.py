"""One offline check of every method on a CUDA machine, in minutes; then the accuracy table there.

Run by ``tools/gpu_check.sh WHEEL_DIR OUT_DIR [options]`` (which installs the OpenMMLab wheels
into a folder of their own first), or directly from the repository root once the stack imports:

    python -m benchmarks.gpu_check --out OUT_DIR [--budget 420] [--iters 200] [--data-root DIR]
    python -m benchmarks.gpu_check --out OUT_DIR --dry-run     # on CPU: tiny counts, same path

What it does, in order, each step recorded in ``OUT_DIR/summary.json`` (fields:
``docs/gpu_check.md``), which is rewritten after every family and every phase, so a run that is
stopped keeps everything it finished:

1. versions, the device, and whether mmcv has its compiled ops (without them -- ``mmcv-lite`` --
   the detection configs cannot run and are skipped, and the summary says so);
2. phase ``families``: every classification family's Fashion-MNIST config (the families of
   the one list of methods, :func:`benchmarks.methods.gpu_families`; stand-in teachers), epochs of the first ``128 x --ref-steps`` training images: ``--iters``
   iterations on the GPU in fp32, in bf16 (mmengine's ``AmpOptimWrapper``,
   ``dtype='bfloat16'``) and in fp16 (``AmpOptimWrapper``'s default: float16 with a dynamic loss
   scaler, whose final scale is recorded); every loss finite, the fp32 run's first
   ``--ref-steps`` losses equal to a CPU run of the same steps in NCHW with PyTorch's own CPU
   kernels (oneDNN off; same seed, same batches) within ``REL_TOL`` (TF32 off), and the host<->device traffic of ``AUDIT_ITERS`` fp32
   iterations (copies, synchronisations) counted by the profiler;
3. phase ``throughput``: the runner against bare torch side by side
   (``benchmarks.speed.bench_speed``'s resnet20 and Hinton KD cases, on the GPU);
4. phase ``table``: with the time left of ``--budget`` seconds, the accuracy table's core rows
   (``benchmarks.accuracy``), as many (row, seed) runs as are estimated to fit, written as
   ordinary result files under ``OUT_DIR/results/`` (the machine string names the GPU).

Each phase runs in a guard that records its error and lets the next phase run, under a time cap
(``PHASE_SHARE`` of the budget; a SIGALRM ends a phase that overruns, between iterations), so
the whole command ends inside ``--budget`` on any GPU.

``--dry-run`` runs the same code on the CPU with tiny counts (the test suite does), so the
script cannot rot: "GPU" steps run on the CPU in channels-last with oneDNN against the NCHW
reference without it (other kernels: a real, small difference), bf16 / fp16 are skipped (mmengine's AmpOptimWrapper asserts a GPU), and
the table is the harness's smoke run of one row.
"""
import argparse
import collections
import contextlib
import datetime
import json
import math
import os
import os.path as osp
import platform
import signal
import statistics
import sys
import tempfile
import time
import traceback

import torch

from . import methods
from .accuracy.protocol import Settings
from .speed import bench_speed

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
REL_TOL = 1e-3  # first losses, GPU fp32 (TF32 off) against CPU fp32
AUDIT_ITERS = 5  # fp32 iterations whose host<->device traffic the profiler counts
FP16_MIN_SCALE = 1.0  # a loss scale below this after the run: the fp16 losses overflow
# the share of --budget each phase may take at most (the table takes what is left)
PHASE_SHARE = dict(families=0.6, throughput=0.15)
PHASES = ('families', 'throughput', 'table')


class PhaseTimeout(Exception):
    """A phase (or one family) ran past its cap."""


@contextlib.contextmanager
def time_cap(seconds):
    """Raise :class:`PhaseTimeout` in the main thread once ``seconds`` have passed (SIGALRM;
    Python runs the handler between bytecodes: after the CUDA call in flight)."""
    if seconds <= 0:
        raise PhaseTimeout('no time left')

    def handler(signum, frame):
        raise PhaseTimeout(f'over its cap of {seconds:.0f} s')

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


class Summary(dict):
    """``summary.json``, written whole (a temporary file renamed over it) at every ``save``."""

    def __init__(self, path, **fields):
        super().__init__(**fields)
        self.path = path

    def save(self):
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(self, f, indent=1)
        os.replace(tmp, self.path)


def run_phase(summary, name, cap, fn, *args):
    """``summary[name] = fn(*args)`` under ``cap`` seconds; an error or a timeout is recorded in
    ``summary['phases'][name]`` and the next phase runs."""
    t0 = time.perf_counter()
    info = summary['phases'][name] = dict(status='running', cap_s=round(cap, 1))
    summary.save()
    try:
        with time_cap(cap):
            summary[name] = fn(*args)
        info['status'] = 'done'
    except Exception as e:  # noqa: BLE001  (a phase's failure must not lose the others')
        info.update(status='timeout' if isinstance(e, PhaseTimeout) else 'error',
                    error=f'{type(e).__name__}: {e}'[:2000],
                    traceback=traceback.format_exc()[-3000:])
        print(f'[gpu_check] phase {name}: {info["status"]}: {info["error"]}', flush=True)
    info['seconds'] = round(time.perf_counter() - t0, 1)
    summary.save()


@contextlib.contextmanager
def on_device(device):
    """mmengine's Runner puts the model on ``device`` (it otherwise picks the GPU)."""
    import mmengine.runner.runner as runner_module
    saved = runner_module.get_device
    runner_module.get_device = lambda: device
    try:
        yield
    finally:
        runner_module.get_device = saved


def _same_start(path, mode):
    """A hook that saves (``mode='save'``) or loads (``'load'``) the model's weights once they
    are initialised, before the first iteration. mmengine initialises the weights after moving
    the model to its device (``Runner.train`` -> ``init_weights``), so the same seed draws other
    initial weights on a GPU than on the CPU; the device run starts from the CPU run's."""
    from mmengine.hooks import Hook

    class SameStart(Hook):
        priority = 'VERY_HIGH'

        def before_train(self, runner):
            model = runner.model.module if hasattr(runner.model, 'module') else runner.model
            if mode == 'save':
                torch.save(model.state_dict(), path)
            else:
                model.load_state_dict(torch.load(path, map_location='cpu'))

    return SameStart()


def _hooks(audit_from=0, audit_iters=AUDIT_ITERS):
    """The check's own hooks: every iteration's total loss; optionally the host<->device
    traffic of ``audit_iters`` iterations from iteration ``audit_from`` on."""
    from mmengine.hooks import Hook

    class Losses(Hook):
        priority = 'LOWEST'

        def __init__(self):
            self.seen, self.times = [], []

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            self.seen.append(float(torch.as_tensor(outputs['loss']).detach().float()))
            self.times.append(time.perf_counter())

        def seconds_per_iter(self):
            """Median time between iterations (the float() above waits for the device)."""
            gaps = [b - a for a, b in zip(self.times, self.times[1:])]
            return statistics.median(gaps) if gaps else None

    class CopyAudit(Hook):
        priority = 'LOWEST'  # after RuntimeInfoHook: its per-output .item() is in the window

        def __init__(self):
            self.prof, self.iters, self.outputs, self.result = None, 0, 0, None

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if self.prof is None and self.result is None and runner.iter >= audit_from:
                acts = [torch.profiler.ProfilerActivity.CPU]
                if torch.cuda.is_available() and next(
                        runner.model.parameters()).device.type == 'cuda':
                    acts.append(torch.profiler.ProfilerActivity.CUDA)
                self.prof = torch.profiler.profile(activities=acts)
                self.prof.__enter__()

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if self.prof is None:
                return
            self.iters += 1
            self.outputs = len(outputs or {})
            if self.iters == audit_iters:
                self.stop()

        def stop(self):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            self.prof.__exit__(None, None, None)
            if self.iters:
                self.result = traffic(self.prof.events(), self.iters, self.outputs)
            self.prof = None

    return Losses(), CopyAudit()


def traffic(events, iters, outputs):
    """Per-iteration host<->device traffic from profiler ``events``: CUDA copies each way
    (``Memcpy HtoD`` / ``DtoH`` device events), host synchronisations (``aten::item`` reads of
    a tensor's value -- on a GPU each waits for the device -- and explicit
    ``cudaStreamSynchronize`` / ``cudaDeviceSynchronize`` calls), against what mmengine and the
    check itself must read: one ``.item()`` per logged output (``RuntimeInfoHook``) plus the
    check's own loss reading."""
    names = collections.Counter(e.name for e in events)
    h2d = sum(n for k, n in names.items() if k.startswith('Memcpy HtoD'))
    d2h = sum(n for k, n in names.items() if k.startswith('Memcpy DtoH'))
    items = names.get('aten::item', 0)
    syncs = sum(names.get(k, 0) for k in ('cudaStreamSynchronize', 'cudaDeviceSynchronize'))
    expected = outputs + 1
    return dict(iters=iters, h2d_copies_per_iter=round(h2d / iters, 2),
                d2h_copies_per_iter=round(d2h / iters, 2),
                item_reads_per_iter=round(items / iters, 2),
                explicit_syncs_per_iter=round(syncs / iters, 2),
                expected_item_reads_per_iter=expected,
                extra_item_reads_per_iter=round(items / iters - expected, 2))


def train_losses(rel, steps, images, work, device, amp=None, data_root=None, layout=None,
                 audit=False, start=None):
    """The total loss of each of ``steps`` training iterations of config ``rel`` on ``device``,
    epochs of its first ``images`` training images (so every run with the same ``images`` sees
    the same first batches); validation and checkpoints off; stand-in teachers. ``amp``: None
    (fp32), ``'bfloat16'`` or ``'float16'`` (mmengine's ``AmpOptimWrapper``; float16 with its
    default dynamic loss scaler). ``layout='nchw'`` drops the config's ``ChannelsLastHook``.
    ``start=(path, 'save' | 'load')``: save the initialised weights to ``path``, or start from
    them (``_same_start``). Returns ``(losses, extra)``: ``extra`` holds the final loss scale
    (fp16) and the traffic audit (``audit=True``)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmkd_plugins.testing import standin_checkpoints

    from .accuracy.runner import set_data_root
    cfg = Config.fromfile(osp.join(REPO, 'configs', rel))
    torch.manual_seed(0)  # the same stand-in teacher for the CPU and the GPU run
    standin_checkpoints(cfg, osp.join(work, 'ckpts'))
    if data_root:
        set_data_root(cfg, data_root)
    cfg.work_dir = work
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=0)
    batch = cfg.train_dataloader.batch_size
    cfg.train_dataloader.dataset.indices = images
    cfg.train_cfg = dict(by_epoch=True, max_epochs=math.ceil(steps * batch / images),
                         val_interval=10 ** 6)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
    cfg.default_hooks.logger.interval = 10 ** 6
    cfg.default_hooks.pop('diagnostics', None)
    if layout == 'nchw':
        cfg.default_hooks.pop('channels_last', None)
    for hook in cfg.get('custom_hooks', []):
        if 'stop_epoch' in hook:  # ESKD (a): stop before the only epoch ends
            hook.stop_epoch = 1
    if cfg.train_cfg['max_epochs'] < 2:
        cfg.custom_hooks = [h for h in cfg.get('custom_hooks', []) if 'stop_epoch' not in h]
    if amp is not None:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        if amp == 'bfloat16':
            cfg.optim_wrapper.dtype = 'bfloat16'
    audit_iters = min(AUDIT_ITERS, steps)
    losses, audit_hook = _hooks(audit_from=min(2, steps - audit_iters), audit_iters=audit_iters)
    with on_device(device):
        runner = Runner.from_cfg(cfg)
        runner.register_hook(losses)
        if start is not None:
            runner.register_hook(_same_start(*start))
        if audit:
            runner.register_hook(audit_hook)
        try:
            runner.train()
        finally:
            if audit_hook.prof is not None:  # stopped inside the audit window
                audit_hook.stop()
    extra = dict(seconds_per_iter=losses.seconds_per_iter())
    scaler = getattr(runner.optim_wrapper, 'loss_scaler', None)
    if scaler is not None:
        extra['loss_scale'] = float(scaler.get_scale())
    if audit:
        extra['traffic'] = audit_hook.result
    return losses.seen[:steps], extra


def compare_losses(ref, got, rel_tol=REL_TOL):
    """``(max relative difference, within rel_tol)`` of two loss sequences; a missing or
    non-finite loss is never within."""
    if not ref or len(got) < len(ref) or not all(map(math.isfinite, list(ref) + list(got))):
        return math.inf, False
    diffs = [abs(a - b) / max(abs(b), 1e-12) for a, b in zip(got, ref)]
    worst = max(diffs)
    return worst, math.isfinite(worst) and worst <= rel_tol


def check_family(name, rel, args, gpu, work):
    out = dict(config=f'configs/{rel}')
    t0 = time.perf_counter()
    images = args.ref_steps * 128  # every run: epochs of the same images, same first batches
    try:
        init = osp.join(work, 'init.pth')
        with torch.backends.mkldnn.flags(enabled=False):  # PyTorch's own CPU kernels
            ref, _ = train_losses(rel, args.ref_steps, images, osp.join(work, 'cpu'), 'cpu',
                                  data_root=args.data_root, layout='nchw',
                                  start=(init, 'save'))
        long_fp32, extra = train_losses(rel, args.iters, images, osp.join(work, 'fp32'), gpu,
                                        data_root=args.data_root, audit=True,
                                        start=(init, 'load'))
        first = long_fp32[:args.ref_steps]
        rel_diff, close = compare_losses(ref, first)
        out.update(cpu_first_losses=ref, fp32_first_losses=first, max_rel_diff=rel_diff,
                   fp32_iters=len(long_fp32), fp32_finite=all(map(math.isfinite, long_fp32)),
                   fp32_last_loss=long_fp32[-1], traffic=extra.get('traffic'),
                   fp32_s_per_iter=extra['seconds_per_iter'])
        ok = close and out['fp32_finite']
        if gpu == 'cuda':
            for amp, key in (('bfloat16', 'bf16'), ('float16', 'fp16')):
                seen, extra = train_losses(rel, args.iters, images, osp.join(work, key), gpu,
                                           amp=amp, data_root=args.data_root)
                out.update({f'{key}_iters': len(seen),
                            f'{key}_finite': all(map(math.isfinite, seen)),
                            f'{key}_last_loss': seen[-1]})
                ok = ok and out[f'{key}_finite']
                if key == 'fp16':
                    out['fp16_loss_scale'] = extra.get('loss_scale')
                    ok = ok and (out['fp16_loss_scale'] or 0) >= FP16_MIN_SCALE
        else:
            out['bf16'] = out['fp16'] = 'skipped: no GPU (mmengine AmpOptimWrapper asserts one)'
        out['status'] = 'pass' if ok else 'fail'
    except PhaseTimeout as e:
        out.update(status='timeout', error=str(e))
    except Exception as e:  # noqa: BLE001  (one family's failure must not hide the others')
        out.update(status='error', error=f'{type(e).__name__}: {e}'[:2000])
    out['seconds'] = round(time.perf_counter() - t0, 1)
    print(f'[gpu_check] {name}: {out["status"]} ({out["seconds"]} s)'
          + (f' max rel diff {out["max_rel_diff"]:.2e}' if 'max_rel_diff' in out else '')
          + (f' fp16 scale {out["fp16_loss_scale"]:g}' if out.get('fp16_loss_scale') else '')
          + (f' {out.get("error", "")}' if 'error' in out else ''), flush=True)
    return out


def families(args, gpu, work, summary, deadline):
    """Every family in turn, each under the time the phase has left; the summary is saved after
    each. A family that times out ends the phase (the rest are listed as not reached)."""
    configs = methods.gpu_families()
    names = list(args.families or configs)
    out = summary['families'] = {}
    for i, name in enumerate(names):
        left = deadline - time.perf_counter()
        if left <= 0:
            out.update({n: dict(status='not reached', config=f'configs/{configs[n]}')
                        for n in names[i:]})
            break
        out[name] = check_family(name, configs[name], args, gpu, osp.join(work, name))
        summary.save()
    return out


def throughput(args, device):
    cases = {k: v for k, v in bench_speed.CASES.items() if not k.startswith('resnet8 ')}
    rows = []

    def edit(cfg):
        from .accuracy.runner import set_data_root
        if args.data_root:
            set_data_root(cfg, args.data_root)
        cfg.default_hooks.pop('diagnostics', None)

    for name, (config, arch, teacher) in cases.items():
        bare = bench_speed.bare_steps(arch, teacher, True, args.speed_iters, device=device)
        with on_device(device):
            run = bench_speed.runner_steps(config, args.speed_iters,
                                           tempfile.mkdtemp(prefix='gpu_check_'), edit=edit)
        b, r = 128 / statistics.median(bare), 128 / statistics.median(run)
        rows.append(dict(case=name, bare_img_s=round(b), runner_img_s=round(r),
                         runner_over_bare=round(r / b, 3)))
        print(f'[gpu_check] throughput {name}: bare {b:.0f} img/s, runner {r:.0f} img/s, '
              f'ratio {r / b:.3f}', flush=True)
    return rows


def estimate_row_s(row, fams, settings, scale=1.0):
    """Seconds a table run of ``row`` is expected to take: twice its family's fp32 seconds per
    iteration times the protocol's iterations (validations, and a teacher or stage 1 it may
    train first), plus 30 s, times ``scale`` (the last run's actual over its estimate); None
    when its family did not pass."""
    variant = next(v for v in methods.table_rows() if v.row == row)
    fam = fams.get(variant.cost_as or variant.name, {})
    if fam.get('status') != 'pass' or not fam.get('fp32_s_per_iter'):
        return None
    from .accuracy.protocol import PROTOCOLS
    p = PROTOCOLS[settings.protocol]
    iters = p['epochs'] * math.ceil(p['n_train'] / 128)
    return scale * (2 * fam['fp32_s_per_iter'] * iters + 30)


def table(args, summary, deadline):
    """Core (row, seed) runs while the budget lasts: a run is started only when its estimate
    (``estimate_row_s``) fits in the time left; the result files under OUT/results."""
    from .accuracy.runner import Table
    scratch = tempfile.mkdtemp(prefix='gpu_check_table_')  # checkpoints stay out of OUT
    if args.dry_run:  # the harness's smoke run (64 images, 2 epochs) of one row
        settings = Settings.smoke_run(scratch)
        plan = [('alone', 0)]
    else:
        settings = Settings(work=osp.join(scratch, 'work'), figures=osp.join(scratch, 'figures'))
        plan = [(v.row, seed) for seed in args.seeds for v in methods.table_rows() if v.core]
    settings.results = osp.join(args.out, 'results')
    settings.data_root = args.data_root
    out = summary['table'] = dict(results=osp.relpath(settings.results, args.out), runs=[],
                                  left=[dict(row=r, seed=s) for r, s in plan])
    scale = 1.0
    t = Table(settings)
    for row, seed in plan:
        estimate = estimate_row_s(row, summary.get('families', {}), settings, scale)
        # the dry run's one smoke row always runs: it checks the path, not the budget
        if not args.dry_run and (estimate is None or time.perf_counter() + estimate > deadline):
            out['stopped'] = (f'{row} seed {seed}: estimated {estimate:.0f} s, '
                              f'{deadline - time.perf_counter():.0f} s left'
                              if estimate is not None else f'{row}: no estimate (its family '
                              'did not pass)')
            break
        t0 = time.perf_counter()
        t.run_row(row, seed)
        last = time.perf_counter() - t0
        if estimate:
            scale = last / (estimate / scale)
        out['runs'].append(dict(row=row, seed=seed, seconds=round(last, 1),
                                estimated_s=None if estimate is None else round(estimate, 1)))
        out['left'] = out['left'][1:]
        summary.save()
        print(f'[gpu_check] table {row} seed {seed}: {last:.0f} s', flush=True)
    return out


def versions():
    out = dict(python=platform.python_version(), torch=torch.__version__,
               cuda=torch.version.cuda)
    for name in ('mmengine', 'mmcv', 'mmpretrain', 'mmrazor', 'mmkd_plugins'):
        try:
            out[name] = __import__(name).__version__
        except Exception as e:  # noqa: BLE001
            out[name] = f'not importable: {type(e).__name__}: {e}'
    try:
        import mmcv.ops  # noqa: F401
        out['mmcv_ops'] = True
    except Exception:  # noqa: BLE001
        out['mmcv_ops'] = False
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', required=True, help='folder for summary.json and the results')
    p.add_argument('--budget', type=float, default=420.0,
                   help='seconds in all; every phase is capped inside it, the table gets what '
                   'the checks leave')
    p.add_argument('--iters', type=int, default=100,
                   help='fp32 / bf16 / fp16 iterations per family')
    p.add_argument('--ref-steps', type=int, default=3, help='steps compared with the CPU')
    p.add_argument('--speed-iters', type=int, default=30)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--families', nargs='+', choices=sorted(methods.gpu_families()),
                   help='default: all of them')
    p.add_argument('--data-root', help='a folder holding the four Fashion-MNIST *-ubyte.gz '
                   'files (default: the Debian package dataset-fashion-mnist)')
    p.add_argument('--phases', nargs='+', choices=PHASES, default=list(PHASES),
                   help='the phases to run (default: all; the others are recorded as skipped)')
    p.add_argument('--dry-run', action='store_true',
                   help='on the CPU with tiny counts: the same code path, for the test suite')
    args = p.parse_args(argv)
    t_start = time.perf_counter()
    deadline = t_start + args.budget
    if args.dry_run:
        args.iters, args.ref_steps, args.speed_iters = min(args.iters, 2), 2, 2
    if args.iters < args.ref_steps:
        p.error(f'--iters {args.iters} must be >= --ref-steps {args.ref_steps}')
    if args.data_root:
        args.data_root = osp.abspath(args.data_root)
    args.out = osp.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    os.chdir(REPO)
    gpu = 'cuda' if torch.cuda.is_available() and not args.dry_run else 'cpu'
    if not args.dry_run and gpu != 'cuda':
        p.error('no CUDA device: run it on a GPU machine, or pass --dry-run')
    if gpu == 'cuda':  # fp32 means fp32: no TF32 in convolutions and matrix products
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    import mmkd_plugins  # noqa: F401

    from .accuracy.runner import machine
    summary = Summary(osp.join(args.out, 'summary.json'),
                      date=datetime.date.today().isoformat(), machine=machine(),
                      device=torch.cuda.get_device_name(0) if gpu == 'cuda' else 'cpu (dry run)',
                      dry_run=args.dry_run, versions=versions(), budget_s=args.budget,
                      iters=args.iters, ref_steps=args.ref_steps, rel_tol=REL_TOL,
                      argv=sys.argv, phases={}, passed=False)
    summary['detection'] = ('not run here (the tests run the detection configs on CPU)'
                            if summary['versions']['mmcv_ops'] else
                            'skipped: mmcv without compiled ops (mmcv-lite); the detection '
                            'configs need mmcv built with ops for this Python and torch')

    def on_term(signum, frame):  # `timeout` / a scheduler: keep what is there, say why
        summary['stopped'] = f'signal {signum} after {time.perf_counter() - t_start:.0f} s'
        summary.save()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix='gpu_check_')
    for name in PHASES:
        if name not in args.phases:
            summary['phases'][name] = dict(status='skipped')
    # a phase's cap: its share of the budget, renormalised over the phases that run (the table,
    # when it runs, takes what is left)
    shares = {k: PHASE_SHARE.get(k, 0) for k in args.phases}
    scale = 1 / max(sum(shares.values()), 1e-9) if 'table' not in args.phases else 1
    end = deadline - 5  # leave the last seconds for the summary
    if 'families' in args.phases:
        fam_deadline = min(t_start + shares['families'] * scale * args.budget, end)
        run_phase(summary, 'families', fam_deadline - time.perf_counter(), families, args, gpu,
                  work, summary, fam_deadline)
    if 'throughput' in args.phases:
        run_phase(summary, 'throughput', min(shares['throughput'] * scale * args.budget,
                                             end - time.perf_counter()), throughput, args, gpu)
    if 'table' in args.phases:
        run_phase(summary, 'table', max(end - time.perf_counter(), 1), table, args, summary,
                  end)
    fams = summary.get('families', {})
    summary['passed'] = bool(fams) and all(f['status'] == 'pass' for f in fams.values()) and all(
        ph['status'] in ('done', 'skipped') for ph in summary['phases'].values())
    summary['total_s'] = round(time.perf_counter() - t_start, 1)
    summary.save()
    print(f'[gpu_check] {"PASSED" if summary["passed"] else "FAILED"}: '
          f'{sum(f["status"] == "pass" for f in fams.values())} of {len(fams)} families; '
          f'phases {", ".join(k + " " + v["status"] for k, v in summary["phases"].items())}; '
          f'summary in {summary.path} ({summary["total_s"]:.0f} s)', flush=True)
    return 0 if summary['passed'] else 1


if __name__ == '__main__':
    sys.exit(main())
