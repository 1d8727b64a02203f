"""End-to-end: the baseline config trains on real Fashion-MNIST, evaluates, saves and resumes;
it also runs under mmpretrain's own tools/train.py (what `mim train mmpretrain` runs)."""
import os
import os.path as osp
import subprocess
import sys

import mmpretrain
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from conftest import REPO, config_path, shrink
from test_datasets import needs_data

BASELINE = config_path('baseline/resnet20_1xb128_fashion-mnist.py')


class Probe(Hook):
    """Records where training starts and the model/optimizer state it starts from."""

    def __init__(self):
        self.first_iter = None
        self.start_state = None
        self.start_momentum = None

    def before_train(self, runner):
        self.start_state = {k: v.clone() for k, v in runner.model.state_dict().items()}
        opt = runner.optim_wrapper.optimizer
        self.start_momentum = [opt.state[p]['momentum_buffer'].clone() for p in
                               opt.param_groups[0]['params'] if p in opt.state]

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.first_iter is None:
            self.first_iter = runner.iter


@needs_data
def test_baseline_learns_on_real_data(tmp_path):
    cfg = shrink(Config.fromfile(BASELINE), tmp_path, n_train=1024, n_val=1000, batch_size=64,
                 max_epochs=4)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    # The baseline schedule in miniature (64 iterations on 1k real images): far above chance
    # (10 %); a broken pipeline, label mapping or normalisation stays near it. (After a short
    # run that ends at high lr, BN running stats lag and eval accuracy sits near chance.)
    assert metrics['accuracy/top1'] > 50, metrics


@needs_data
def test_two_iterations_then_resume_continues_exactly(tmp_path):
    cfg = shrink(Config.fromfile(BASELINE), tmp_path, n_train=64, batch_size=32, max_epochs=1)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2 and runner.epoch == 1
    ckpt_path = osp.join(str(tmp_path), 'epoch_1.pth')
    saved = torch.load(ckpt_path, map_location='cpu')  # weights_only: the compat allow-list
    assert saved['meta']['iter'] == 2

    cfg2 = shrink(Config.fromfile(BASELINE), tmp_path, n_train=64, batch_size=32, max_epochs=2)
    cfg2.resume, cfg2.load_from = True, ckpt_path
    runner2 = Runner.from_cfg(cfg2)
    probe = Probe()
    runner2.register_hook(probe)
    runner2.train()
    assert probe.first_iter == 2
    assert runner2.iter == 4 and runner2.epoch == 2
    for k, v in saved['state_dict'].items():
        assert torch.equal(probe.start_state[k], v), k
    saved_momentum = [s['momentum_buffer'] for s in saved['optimizer']['state'].values()]
    assert len(probe.start_momentum) == len(saved_momentum) > 0
    assert all(torch.equal(a, b) for a, b in zip(probe.start_momentum, saved_momentum))


@needs_data
def test_load_from_restores_weights(tmp_path):
    cfg = shrink(Config.fromfile(BASELINE), tmp_path / 'a', n_train=64, batch_size=32)
    Runner.from_cfg(cfg).train()
    cfg2 = shrink(Config.fromfile(BASELINE), tmp_path / 'b', n_train=64, batch_size=32)
    cfg2.load_from = str(tmp_path / 'a' / 'epoch_1.pth')
    runner = Runner.from_cfg(cfg2)
    probe = Probe()
    runner.register_hook(probe)
    runner.train()
    saved = torch.load(cfg2.load_from, map_location='cpu')['state_dict']
    assert all(torch.equal(probe.start_state[k], v) for k, v in saved.items())
    assert probe.first_iter == 0


def _tiny_cli_options(work_dir):
    return [
        '--work-dir', str(work_dir), '--cfg-options',
        'train_dataloader.dataset.indices=64', 'train_dataloader.batch_size=32',
        'train_dataloader.num_workers=0', 'val_dataloader.dataset.indices=64',
        'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.save_best=None', "env_cfg.dist_cfg.backend='gloo'"
    ]


def _run(cmd, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='2', PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@needs_data
def test_runs_under_mmpretrains_own_train_tool(tmp_path):
    tool = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools', 'train.py')
    # From an unrelated folder: only the config's custom_imports brings mmkd_plugins in.
    out = _run([sys.executable, tool, BASELINE, '--no-persistent-workers'] +
               _tiny_cli_options(tmp_path / 'w'), cwd=str(tmp_path))
    assert osp.isfile(tmp_path / 'w' / 'epoch_1.pth')
    assert 'Epoch(train) [1][2/2]' in out
    assert 'accuracy/top1' in out


@needs_data
def test_our_train_tool_resumes_and_test_tool_evaluates(tmp_path):
    work = tmp_path / 'w'
    out = _run([sys.executable, 'tools/train.py', BASELINE] + _tiny_cli_options(work), REPO)
    assert 'Final validation (1 epochs, 2 iterations): accuracy/top1:' in out
    opts = _tiny_cli_options(work)
    opts[opts.index('train_cfg.max_epochs=1')] = 'train_cfg.max_epochs=2'
    out = _run([sys.executable, 'tools/train.py', BASELINE, '--resume'] + opts, REPO)
    assert 'Final validation (2 epochs, 4 iterations)' in out
    out = _run([sys.executable, 'tools/test.py', BASELINE, str(work / 'epoch_2.pth'),
                '--work-dir', str(tmp_path / 't'), '--out', str(tmp_path / 'r.pkl'),
                '--cfg-options', 'test_dataloader.dataset.indices=64',
                'test_dataloader.num_workers=0'], REPO)
    assert "'accuracy/top1'" in out
    assert osp.isfile(tmp_path / 'r.pkl')
    # the reliability diagram reads those results and draws a PNG
    out = _run([sys.executable, 'tools/analysis/reliability_diagram.py', str(tmp_path / 'r.pkl'),
                '--out', str(tmp_path / 'rel.png')], REPO)
    assert 'ECE' in out
    with open(tmp_path / 'rel.png', 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    from mmkd_plugins.evaluation import expected_calibration_error
    import mmengine
    from mmkd_plugins.utils import sample_labels
    results = mmengine.load(str(tmp_path / 'r.pkl'))
    probs = torch.stack([torch.as_tensor(r['pred_score']).float() for r in results])
    labels = sample_labels(results)
    assert probs.shape == (64, 10) and labels.shape == (64, )
    assert f'ECE {expected_calibration_error(probs, labels):.2f}' in out
