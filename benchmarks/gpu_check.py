"""One offline check of every method on a CUDA machine, in minutes; then the accuracy table there.

Run by ``tools/gpu_check.sh WHEEL_DIR OUT_DIR [options]`` (which installs the OpenMMLab wheels
into a folder of their own first), or directly from the repository root once the stack imports:

    python -m benchmarks.gpu_check --out OUT_DIR [--budget 420] [--iters 200] [--data-root DIR]
    python -m benchmarks.gpu_check --out OUT_DIR --dry-run     # on CPU: tiny counts, same path

What it does, in order, each step recorded in ``OUT_DIR/summary.json`` (fields: README "With a
CUDA GPU"):

1. versions, the device, and whether mmcv has its compiled ops (without them -- ``mmcv-lite`` --
   the detection configs cannot run and are skipped, and the summary says so);
2. every classification family's Fashion-MNIST config (``FAMILIES``; stand-in teachers):
   ``--iters`` iterations on the GPU in fp32 and in bf16 (mmengine's ``AmpOptimWrapper``,
   ``dtype='bfloat16'``, what ``tools/train.py --amp`` selects with that dtype), epochs of the
   first ``128 x --ref-steps`` training images: every loss finite, and the fp32 run's first
   ``--ref-steps`` losses equal to a CPU run of the same steps (same seed, same batches) within
   ``REL_TOL`` (TF32 off);
3. throughput, the runner against bare torch side by side (``benchmarks.speed.bench_speed``'s
   resnet20 and Hinton KD cases, on the GPU);
4. with the time left of ``--budget`` seconds, the accuracy table's core rows
   (``benchmarks.accuracy``), as many (row, seed) runs as fit, written as ordinary result files
   under ``OUT_DIR/results/`` (the machine string names the GPU), ready to commit.

``--dry-run`` runs the same code on the CPU with tiny counts (the test suite does), so the
script cannot rot: "GPU" steps run on the CPU, bf16 is skipped (mmengine's AmpOptimWrapper
asserts a GPU), and the table is the harness's smoke run of one row.
"""
import argparse
import contextlib
import datetime
import json
import math
import os
import os.path as osp
import platform
import statistics
import sys
import tempfile
import time

import torch

from .accuracy.protocol import ROWS, Settings
from .speed import bench_speed

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
REL_TOL = 1e-3  # first losses, GPU fp32 (TF32 off) against CPU fp32
FAMILIES = {  # the protocol config of each classification family
    'plain': 'baseline/resnet8_1xb128_fashion-mnist-5k.py',
    'pskd': 'pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py',
    'kdcl-minlogit': 'kdcl/kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-5k.py',
    'kdcl-linear': 'kdcl/kdcl-linear_2xresnet8_1xb128_fashion-mnist-5k.py',
    'kdcl-naive': 'kdcl/kdcl-naive_2xresnet8_1xb128_fashion-mnist-5k.py',
    'kdcl-general': 'kdcl/kdcl-general_2xresnet8_1xb128_fashion-mnist-5k.py',
    'dml': 'dml/dml_2xresnet8_1xb128_fashion-mnist-5k.py',
    'iedml': 'iekd/iedml_2xresnet8_1xb128_fashion-mnist-5k.py',
    'kd': 'kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'fitnets': 'fitnets/fitnets_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'at': 'at/at_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'eskd-a': 'eskd/eskd-a_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'takd': 'takd/takd-stage2_resnet14_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'iekd-stage1': 'iekd/iekd-stage1_resnet20_1xb128_fashion-mnist-5k.py',
    'iekd-stage2': 'iekd/iekd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
}
CORE_ROWS = [k for k, row in ROWS.items() if row[4]]


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


def _losses_hook():
    from mmengine.hooks import Hook

    class Losses(Hook):
        priority = 'LOWEST'

        def __init__(self):
            self.seen = []

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            self.seen.append(float(torch.as_tensor(outputs['loss']).detach().float()))

    return Losses()


def train_losses(rel, steps, images, work, device, bf16=False, data_root=None):
    """The total loss of each of ``steps`` training iterations of config ``rel`` on ``device``,
    epochs of its first ``images`` training images (so every run with the same ``images`` sees
    the same first batches); validation and checkpoints off; stand-in teachers."""
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
    for hook in cfg.get('custom_hooks', []):
        if 'stop_epoch' in hook:  # ESKD (a): stop before the only epoch ends
            hook.stop_epoch = 1
    if cfg.train_cfg['max_epochs'] < 2:
        cfg.custom_hooks = [h for h in cfg.get('custom_hooks', []) if 'stop_epoch' not in h]
    if bf16:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'
    with on_device(device):
        runner = Runner.from_cfg(cfg)
        hook = _losses_hook()
        runner.register_hook(hook)
        runner.train()
    return hook.seen[:steps]


def check_family(name, rel, args, gpu, work):
    out = dict(config=f'configs/{rel}')
    t0 = time.perf_counter()
    images = args.ref_steps * 128  # every run: epochs of the same images, same first batches
    try:
        ref = train_losses(rel, args.ref_steps, images, osp.join(work, 'cpu'), 'cpu',
                           data_root=args.data_root)
        long_fp32 = train_losses(rel, args.iters, images, osp.join(work, 'fp32'), gpu,
                                 data_root=args.data_root)
        first = long_fp32[:args.ref_steps]
        rel_diff = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(first, ref))
        out.update(cpu_first_losses=ref, fp32_first_losses=first, max_rel_diff=rel_diff,
                   fp32_iters=len(long_fp32), fp32_finite=all(map(math.isfinite, long_fp32)),
                   fp32_last_loss=long_fp32[-1])
        ok = rel_diff <= REL_TOL and out['fp32_finite']
        if gpu == 'cuda':
            long_bf16 = train_losses(rel, args.iters, images, osp.join(work, 'bf16'), gpu,
                                     bf16=True, data_root=args.data_root)
            out.update(bf16_iters=len(long_bf16),
                       bf16_finite=all(map(math.isfinite, long_bf16)),
                       bf16_last_loss=long_bf16[-1])
            ok = ok and out['bf16_finite']
        else:
            out['bf16'] = 'skipped: no GPU (mmengine AmpOptimWrapper asserts one)'
        out['status'] = 'pass' if ok else 'fail'
    except Exception as e:  # noqa: BLE001  (one family's failure must not hide the others')
        out.update(status='error', error=f'{type(e).__name__}: {e}'[:2000])
    out['seconds'] = round(time.perf_counter() - t0, 1)
    print(f'[gpu_check] {name}: {out["status"]} ({out["seconds"]} s)'
          + (f' max rel diff {out["max_rel_diff"]:.2e}' if 'max_rel_diff' in out else '')
          + (f' {out.get("error", "")}' if out['status'] == 'error' else ''), flush=True)
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


def table(args, deadline):
    """Core (row, seed) runs while the budget lasts; the result files under OUT/results."""
    from .accuracy.runner import Table
    scratch = tempfile.mkdtemp(prefix='gpu_check_table_')  # checkpoints stay out of OUT
    if args.dry_run:  # the harness's smoke run (64 images, 2 epochs) of one row
        settings = Settings.smoke_run(scratch)
        plan = [('alone', 0)]
    else:
        settings = Settings(work=osp.join(scratch, 'work'), figures=osp.join(scratch, 'figures'))
        plan = [(row, seed) for seed in args.seeds for row in CORE_ROWS]
    settings.results = osp.join(args.out, 'results')
    settings.data_root = args.data_root
    done, last = [], 0.0
    t = Table(settings)
    for row, seed in plan:
        # the dry run's one smoke row always runs: it checks the path, not the budget (a
        # loaded CPU would otherwise skip it)
        if not args.dry_run and time.perf_counter() + last > deadline:
            break
        t0 = time.perf_counter()
        t.run_row(row, seed)
        last = time.perf_counter() - t0
        done.append(dict(row=row, seed=seed, seconds=round(last, 1)))
        print(f'[gpu_check] table {row} seed {seed}: {last:.0f} s', flush=True)
    return dict(results=osp.relpath(settings.results, args.out), runs=done,
                left=[dict(row=r, seed=s) for r, s in plan[len(done):]])


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
                   help='seconds in all; the table gets what the checks leave')
    p.add_argument('--iters', type=int, default=200, help='fp32 / bf16 iterations per family')
    p.add_argument('--ref-steps', type=int, default=3, help='steps compared with the CPU')
    p.add_argument('--speed-iters', type=int, default=30)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--families', nargs='+', choices=sorted(FAMILIES),
                   help='default: all of them')
    p.add_argument('--data-root', help='a folder holding the four Fashion-MNIST *-ubyte.gz '
                   'files (default: the Debian package dataset-fashion-mnist)')
    p.add_argument('--dry-run', action='store_true',
                   help='on the CPU with tiny counts: the same code path, for the test suite')
    args = p.parse_args(argv)
    t_start = time.perf_counter()
    deadline = t_start + args.budget
    if args.dry_run:
        args.iters, args.ref_steps, args.speed_iters = min(args.iters, 2), 1, 2
    if args.data_root:
        args.data_root = osp.abspath(args.data_root)
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
    summary = dict(date=datetime.date.today().isoformat(), machine=machine(),
                   device=torch.cuda.get_device_name(0) if gpu == 'cuda' else 'cpu (dry run)',
                   dry_run=args.dry_run, versions=versions(), budget_s=args.budget,
                   iters=args.iters, ref_steps=args.ref_steps, rel_tol=REL_TOL, argv=sys.argv)
    summary['detection'] = ('not run here (the tests run the detection configs on CPU)'
                            if summary['versions']['mmcv_ops'] else
                            'skipped: mmcv without compiled ops (mmcv-lite); the detection '
                            'configs need mmcv built with ops for this Python and torch')
    work = tempfile.mkdtemp(prefix='gpu_check_')
    summary['families'] = {
        name: check_family(name, FAMILIES[name], args, gpu, osp.join(work, name))
        for name in (args.families or FAMILIES)}
    summary['throughput'] = throughput(args, gpu)
    summary['table'] = table(args, deadline)
    summary['passed'] = all(f['status'] == 'pass' for f in summary['families'].values())
    summary['total_s'] = round(time.perf_counter() - t_start, 1)
    with open(osp.join(args.out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print(f'[gpu_check] {"PASSED" if summary["passed"] else "FAILED"}: '
          f'{sum(f["status"] == "pass" for f in summary["families"].values())} of '
          f'{len(summary["families"])} families; summary in {osp.join(args.out, "summary.json")} '
          f'({summary["total_s"]:.0f} s)', flush=True)
    return 0 if summary['passed'] else 1


if __name__ == '__main__':
    sys.exit(main())
