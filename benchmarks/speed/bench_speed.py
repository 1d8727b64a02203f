"""Training throughput of our runner (mmengine Runner + the protocol configs: data loading,
data preprocessor, hooks, logging) against the best bare-torch step of the same network, side by
side in one process (bare steps measured before and after the runner; medians). Target: runner
img/s >= 0.9 x best bare img/s, for the plain student and for a Hinton-KD step.

Bare variants per network: NCHW eager and channels-last eager; the best is the reference.

    python -m benchmarks.speed.bench_speed [--iters 30] [--rounds 3] [--threads 2]
"""
import argparse
import os.path as osp
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

CASES = {  # name: (config, student arch, teacher arch)
    'resnet8 (student alone)':
        ('configs/baseline/resnet8_1xb128_fashion-mnist-5k.py', 'resnet8', None),
    'resnet20 (teacher / PS-KD model)':
        ('configs/baseline/resnet20_1xb128_fashion-mnist-5k.py', 'resnet20', None),
    'Hinton KD resnet20 -> resnet8x0.5':
        ('configs/kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'resnet8x0.5',
         'resnet20'),
}


def _sync(device):
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


def bare_steps(arch, teacher_arch, channels_last, n, batch=128, device='cpu'):
    """Seconds of each of ``n`` bare-torch training steps (3 warm-up steps not counted)."""
    from mmpretrain.registry import MODELS
    torch.manual_seed(0)
    fmt = torch.channels_last if channels_last else torch.contiguous_format

    def net(a):
        bb = MODELS.build(dict(type='CIFARResNet', arch=a, in_channels=1))
        width = bb(torch.zeros(1, 1, 28, 28))[-1].shape[1]
        return torch.nn.Sequential(bb, torch.nn.Identity()).to(device, memory_format=fmt), \
            torch.nn.Linear(width, 10).to(device)

    bb, fc = net(arch)
    teacher = None
    if teacher_arch:
        teacher = net(teacher_arch)
        teacher[0].eval()
    opt = torch.optim.SGD(list(bb.parameters()) + list(fc.parameters()), lr=0.01, momentum=0.9,
                          nesterov=True, weight_decay=5e-4)
    x = torch.randn(batch, 1, 28, 28).to(device).contiguous(memory_format=fmt)
    y = torch.randint(0, 10, (batch, )).to(device)
    times = []
    for i in range(n + 3):
        _sync(device)
        t = time.perf_counter()
        z = fc(bb(x)[-1].mean((2, 3)))
        loss = F.cross_entropy(z, y)
        if teacher is not None:
            with torch.no_grad():
                zt = teacher[1](teacher[0](x)[-1].mean((2, 3)))
            loss = 0.1 * loss + 0.9 * 16 * F.kl_div(F.log_softmax(z / 4, 1),
                                                    F.softmax(zt / 4, 1), reduction='batchmean')
        opt.zero_grad()
        loss.backward()
        opt.step()
        _sync(device)
        if i >= 3:
            times.append(time.perf_counter() - t)
    return times


def runner_steps(config, n, tmp, edit=None):
    """Seconds between the runner's iterations (IterTimerHook) over ``n`` steps of ``config``
    (on the device mmengine picks: the GPU when there is one); ``edit(cfg)`` before building."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from mmkd_plugins.testing import standin_checkpoints
    cfg = Config.fromfile(osp.join(REPO, config))
    standin_checkpoints(cfg, tmp)
    cfg.work_dir = tmp
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 10  # no validation inside the measured epoch
    cfg.train_dataloader.dataset.indices = 128 * (n + 3)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
    if edit is not None:
        edit(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    # IterTimerHook: wall time between iterations, data loading included
    return list(runner.message_hub.get_scalar('train/time').data[0][3:])


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--iters', type=int, default=30, help='timed steps per measurement')
    p.add_argument('--rounds', type=int, default=3,
                   help='bare NCHW, bare channels-last and runner measured in turn, this often')
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    import mmkd_plugins  # noqa: F401
    print(f'batch 128, {args.threads} threads, median of {args.rounds} x {args.iters} steps '
          'each; img/s')
    print('| case | bare NCHW | bare channels-last | runner (protocol config) | '
          'runner / best bare | target >= 0.9 |')
    print('| --- | --- | --- | --- | --- | --- |')
    for name, (config, arch, teacher) in CASES.items():
        bare, run = {False: [], True: []}, []
        for _ in range(args.rounds):  # interleaved: the same machine state on average
            for cl in (False, True):
                bare[cl] += bare_steps(arch, teacher, cl, args.iters)
            run.extend(runner_steps(config, args.iters, tempfile.mkdtemp(prefix='bench_speed_')))
        ips = {k: 128 / statistics.median(v) for k, v in bare.items()}
        r = 128 / statistics.median(run)
        best = max(ips.values())
        print(f'| {name} | {ips[False]:.0f} | {ips[True]:.0f} | {r:.0f} | {r / best:.3f} | '
              f'{"OK" if r / best >= 0.9 else "MISS"} |', flush=True)


if __name__ == '__main__':
    main()
