"""Whole-runner multi-process training on CPU: every algorithm family runs under torchrun through
tools/train.py --launcher pytorch (what tools/dist_train.sh CONFIG 2 runs), 2 processes on gloo,
and every rank ends with bit-identical parameters and algorithm state; the samplers split the
data (each rank half, the union the set)."""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from conftest import REPO, config_path, families, shrink, standin_checkpoints
from test_datasets import needs_data

PLUGIN = '''
import os
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class DumpStateHook(Hook):
    """Test-only: the samples each rank trained on and its final state."""
    priority = 'LOWEST'

    def __init__(self, out):
        self.out, self.seen = out, []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        for s in data_batch['data_samples']:
            self.seen.append(int(s.metainfo.get('sample_idx', s.metainfo.get('img_id', -1))))

    def after_run(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        grads = [n for n, p in model.named_parameters() if p.requires_grad]
        torch.save(dict(state=state, seen=self.seen, world=runner.world_size,
                        wrapper=type(runner.model).__name__, trainable=grads),
                   os.path.join(self.out, f'rank{runner.rank}.pt'))
'''

FAMILIES = families('plain', 'pskd-memory', 'pskd-snapshot', 'kdcl-linear', 'kdcl-general',
                    'kdcl-minlogit', 'dml-alternate', 'iedml', 'kd', 'fitnets', 'at',
                    'iekd-stage1', 'iekd-stage2')
N_TRAIN = 32


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def with_dump(cfg, tmp_path):
    """``cfg`` with DumpStateHook (each rank's samples and final state under
    ``tmp_path/dump``), dumped to ``tmp_path/cfg.py``; the environment that imports it."""
    out = tmp_path / 'dump'
    out.mkdir(exist_ok=True)
    (tmp_path / 'dumpstate.py').write_text(PLUGIN)
    cfg.custom_imports = dict(imports=list(cfg.custom_imports.imports) + ['dumpstate'],
                              allow_failed_imports=False)
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='DumpStateHook', out=str(out))]
    path = str(tmp_path / 'cfg.py')
    cfg.dump(path)
    env = dict(os.environ, PYTHONPATH=f'{tmp_path}{os.pathsep}{REPO}', OMP_NUM_THREADS='1',
               CUDA_VISIBLE_DEVICES='')
    return path, out, env


def run_torchrun(cfg, tmp_path, nproc=2):
    path, out, env = with_dump(cfg, tmp_path)
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={nproc}',
         '--master_addr=127.0.0.1', f'--master_port={free_port()}',
         osp.join(REPO, 'tools', 'train.py'), path, '--launcher', 'pytorch'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return [torch.load(out / f'rank{r}.pt', weights_only=False) for r in range(nproc)]


def tiny(rel, tmp_path, family):
    cfg = shrink(Config.fromfile(config_path(rel)), tmp_path / 'work', n_train=N_TRAIN,
                 n_val=16, batch_size=8)
    standin_checkpoints(cfg, tmp_path / 'ckpts')
    if family == 'pskd-snapshot':
        cfg.model.source = 'snapshot'
        cfg.model.memory = None
        cfg.train_cfg.max_epochs = 2  # the snapshot is refreshed at the start of epoch 2
    if family == 'pskd-memory':
        cfg.train_cfg.max_epochs = 2  # epoch 2 reads what epoch 1 wrote on both ranks
    if family == 'kdcl-general':
        hook = cfg.custom_hooks[0]
        hook.heldout_dataloader.dataset.indices = list(range(100, 132))
        hook.heldout_dataloader.batch_size = 8
        cfg.train_cfg.max_epochs = 2  # the weights are refit (all-reduced) at epoch 2's start
    return cfg


ALGORITHM_STATE = ('memory.', 'alpha_t', 'ensemble.')


@needs_data
@pytest.mark.parametrize('family', list(FAMILIES))
def test_two_processes_end_bit_identical_and_split_the_data(family, tmp_path):
    ranks = run_torchrun(tiny(FAMILIES[family], tmp_path, family), tmp_path)
    assert [r['world'] for r in ranks] == [2, 2]
    assert {r['wrapper'] for r in ranks} == {'MMKDDistributedDataParallel'}
    a, b = ranks[0]['state'], ranks[1]['state']
    assert a.keys() == b.keys()
    checked = [k for k in ranks[0]['trainable']] + [k for k in a if k.startswith(ALGORITHM_STATE)]
    assert checked
    for k in checked:
        assert torch.equal(a[k], b[k]), f'{family}: {k} differs between the ranks'
    # each rank saw half of the samples (per epoch), disjoint, together the whole subset
    epochs = 2 if family in ('pskd-memory', 'pskd-snapshot', 'kdcl-general') else 1
    seen0, seen1 = ranks[0]['seen'], ranks[1]['seen']
    assert len(seen0) == len(seen1) == epochs * N_TRAIN // 2
    first0, first1 = set(seen0[:N_TRAIN // 2]), set(seen1[:N_TRAIN // 2])
    assert not first0 & first1 and first0 | first1 == set(range(N_TRAIN))
    if family == 'pskd-memory':
        assert a['memory.written'].all() and torch.equal(a['memory.probs'], b['memory.probs'])
        assert float(a['alpha_t']) == pytest.approx(0.8)
    if family == 'kdcl-general':
        assert not torch.allclose(a['ensemble.weights'], torch.full((2, ), 0.5))


@needs_data
def test_tiny_detector_two_processes(tmp_path):
    from mmkd_plugins.datasets import make_shapes_coco
    root = str(tmp_path / 'shapes')
    make_shapes_coco(root, n_train=8, n_val=4, size=128, seed=0)
    cfg = Config.fromfile(config_path('detection/retinanet_r18_fpn_shapes-tiny.py'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = root + '/'
    cfg.val_evaluator.ann_file = cfg.test_evaluator.ann_file = root + '/annotations/val.json'
    cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = 1
    cfg.model.backbone.init_cfg = None
    cfg.work_dir = str(tmp_path / 'work')
    cfg.log_level = 'WARNING'
    ranks = run_torchrun(cfg, tmp_path)
    a, b = ranks[0]['state'], ranks[1]['state']
    for k in ranks[0]['trainable']:
        assert torch.equal(a[k], b[k]), k
    assert not set(ranks[0]['seen']) & set(ranks[1]['seen'])
    assert set(ranks[0]['seen']) | set(ranks[1]['seen']) == set(range(1, 9))


def test_cpu_launcher_needs_torchrun_environment(monkeypatch):
    from mmkd_plugins.dist import setup_distributed
    for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(RuntimeError, match='tools/dist_train.sh'):
        setup_distributed(Config(dict(launcher='pytorch')))
    for k in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(RuntimeError, match='tools/slurm_train.sh'):
        setup_distributed(Config(dict(launcher='slurm')))
    with pytest.raises(ValueError, match="launcher='mpi'"):
        setup_distributed(Config(dict(launcher='mpi')))
    cfg = setup_distributed(Config(dict(launcher='none', find_unused_parameters=True)))
    assert cfg.model_wrapper_cfg == dict(type='MMKDDistributedDataParallel',
                                         broadcast_buffers=False, find_unused_parameters=True)


@needs_data
def test_pskd_memory_of_two_processes_equals_one_process(tmp_path):
    """The same 32 images, global batch 16: 1 process x 16 against 2 processes x 8 (DDP averages
    the two halves' gradients, so every step is the same update; BN runs on its running
    statistics (norm_eval) and the pipeline has no random augmentation, so a sample's
    prediction does not depend on who else is in its batch): both runs write the same memory."""
    def cfg_for(batch, work):
        cfg = tiny(FAMILIES['pskd-memory'], work, 'pskd-memory')
        cfg.train_dataloader.batch_size = batch
        cfg.train_dataloader.dataset.pipeline = [dict(type='PackInputs')]
        for pre in (cfg.get('data_preprocessor'), cfg.model.get('data_preprocessor')):
            if pre and pre.pop('batch_transforms', None):  # the protocol's batch crop/flip: off
                pre.type = 'mmpretrain.ClsDataPreprocessor'
        cfg.model.architecture.backbone.norm_eval = True
        cfg.optim_wrapper.optimizer.lr = 1e-3  # without BN normalisation lr 0.1 diverges
        return cfg
    two = run_torchrun(cfg_for(8, tmp_path / 'two'), tmp_path / 'two', nproc=2)
    one = run_torchrun(cfg_for(16, tmp_path / 'one'), tmp_path / 'one', nproc=1)
    m1, m2 = one[0]['state']['memory.probs'], two[0]['state']['memory.probs']
    assert one[0]['state']['memory.written'].all() and two[0]['state']['memory.written'].all()
    assert torch.allclose(m1, m2, atol=1e-5), (m1 - m2).abs().max()
    assert torch.equal(two[0]['state']['memory.probs'], two[1]['state']['memory.probs'])


DIAG_PLUGIN = '''
import os
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmkd_plugins.engine.hooks import DistillDiagnosticsHook
from mmkd_plugins.evaluation.distill_diagnostics import diagnose
from mmkd_plugins.utils import unwrap_model


@HOOKS.register_module()
class DumpDiagnosticsHook(Hook):
    """Test-only: each rank's diagnostics of both scored sets before the first step."""
    priority = 'LOWEST'  # after DistillDiagnosticsHook built its loaders

    def __init__(self, out):
        self.out = out

    def before_train(self, runner):
        hook = next(h for h in runner.hooks if isinstance(h, DistillDiagnosticsHook))
        model = unwrap_model(runner.model)
        torch.save(dict(train=diagnose(model, hook.loader), heldout=diagnose(
            model, hook.heldout_loader, heldout=True), shard=len(hook.loader.sampler)),
                   os.path.join(self.out, f'diag{runner.rank}.pt'))
'''


@needs_data
def test_diagnostics_of_two_processes_equal_one_process(tmp_path):
    """Each rank scores its shard of the two stratified sets (25 and 15 images: shards of 13
    and 12, 8 and 7, nothing padded) and the sums are gathered: both ranks report what one
    process does on the whole sets."""
    def run(nproc):
        work = tmp_path / f'p{nproc}'
        work.mkdir()
        torch.manual_seed(0)  # the same stand-in teacher for both runs
        cfg = tiny(FAMILIES['kd'], work, 'kd')
        cfg.default_hooks.diagnostics = dict(type='DistillDiagnosticsHook', num_images=25,
                                             heldout_images=15, batch_size=4)
        (work / 'dumpdiag.py').write_text(DIAG_PLUGIN)
        cfg.custom_imports.imports = list(cfg.custom_imports.imports) + ['dumpdiag']
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='DumpDiagnosticsHook', out=str(work / 'dump'))]
        run_torchrun(cfg, work, nproc=nproc)
        return [torch.load(work / 'dump' / f'diag{r}.pt') for r in range(nproc)]

    one, = run(1)
    two = run(2)
    assert one['shard'] == 25 and sorted(r['shard'] for r in two) == [12, 13]
    for rank in two:
        for part in ('train', 'heldout'):
            assert rank[part].keys() == one[part].keys()
            for k, v in one[part].items():
                assert rank[part][k] == pytest.approx(v, rel=1e-5, abs=1e-6), (part, k)
    assert one['train']['student/fit_top1'] * 25 / 100 == pytest.approx(
        round(one['train']['student/fit_top1'] * 25 / 100))  # a count of 25 images


SRUN = r"""#!/usr/bin/env bash
# test stand-in for srun: its arguments to $SRUN_LOG, then --ntasks copies of the command on
# this machine with srun's environment
echo "$@" > "$SRUN_LOG"
n=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        -p) shift 2;;
        --ntasks=*) n=${1#*=}; shift;;
        -*) shift;;
        *) break;;
    esac
done
pids=()
for ((i = 0; i < n; i++)); do
    SLURM_PROCID=$i SLURM_NTASKS=$n SLURM_LOCALID=$i SLURM_NODELIST='node[01-02]' "$@" &
    pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
"""
SCONTROL = r"""#!/usr/bin/env bash
# test stand-in for scontrol: the hosts of a node list
[[ "$1 $2" == "show hostname" ]] && printf '127.0.0.1\n127.0.0.2\n'
"""


@needs_data
def test_slurm_scripts_train_and_test_on_two_cpu_processes(tmp_path):
    """tools/slurm_train.sh / slurm_test.sh through a stand-in srun and scontrol: srun gets the
    OpenMMLab arguments (partition, job name, GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS),
    train.py / test.py run as 2 ranks on gloo (--launcher slurm), both end with the same
    weights, each trained on half of the images, and the checkpoint evaluates on 2 ranks."""
    import stat
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name, text in (('srun', SRUN), ('scontrol', SCONTROL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755 | stat.S_IEXEC)
    path, out, env = with_dump(tiny(FAMILIES['kd'], tmp_path, 'kd'), tmp_path)
    env.update(PATH=f'{bin_dir}{os.pathsep}{osp.dirname(sys.executable)}{os.pathsep}'
                    f'{env["PATH"]}', GPUS='2', GPUS_PER_NODE='4', CPUS_PER_TASK='1',
               SRUN_ARGS='--time=5 --quiet', PORT=str(free_port()),
               SRUN_LOG=str(tmp_path / 'srun.log'))
    work = tmp_path / 'work'
    proc = subprocess.run(['bash', 'tools/slurm_train.sh', 'debug', 'kd-job', path, str(work)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    srun = (tmp_path / 'srun.log').read_text().split()
    assert srun[:10] == ['-p', 'debug', '--job-name=kd-job', '--gres=gpu:2', '--ntasks=2',
                         '--ntasks-per-node=2', '--cpus-per-task=1', '--kill-on-bad-exit=1',
                         '--time=5', '--quiet']  # GPUS_PER_NODE capped at GPUS (one node)
    assert srun[10:] == ['python', '-u', 'tools/train.py', path, f'--work-dir={work}',
                         '--launcher=slurm']
    ranks = [torch.load(out / f'rank{r}.pt', weights_only=False) for r in range(2)]
    assert [r['world'] for r in ranks] == [2, 2]
    for k in ranks[0]['trainable']:
        assert torch.equal(ranks[0]['state'][k], ranks[1]['state'][k]), k
    assert not set(ranks[0]['seen']) & set(ranks[1]['seen'])
    ckpt = work / 'epoch_1.pth'
    env['PORT'] = str(free_port())
    proc = subprocess.run(['bash', 'tools/slurm_test.sh', 'debug', 'kd-eval', path, str(ckpt),
                           '--work-dir', str(tmp_path / 'eval')],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert (tmp_path / 'srun.log').read_text().split()[10:15] == [
        'python', '-u', 'tools/test.py', path, str(ckpt)]
    assert 'accuracy/top1' in proc.stdout + proc.stderr


@pytest.mark.parametrize('script,args,message', [
    ('slurm_train.sh', ['p', 'j', 'missing.py', 'w'], 'no such config file'),
    ('slurm_train.sh', ['p', 'j'], 'expected PARTITION JOB_NAME CONFIG WORK_DIR'),
    ('slurm_test.sh', ['p', 'j', 'configs/kd/README.md', 'missing.pth'], 'no such checkpoint'),
])
def test_slurm_scripts_help_and_bad_arguments(script, args, message):
    ok = subprocess.run(['bash', f'tools/{script}', '--help'], cwd=REPO, capture_output=True,
                        text=True)
    assert ok.returncode == 0 and ok.stdout.startswith(f'usage: bash tools/{script}')
    bad = subprocess.run(['bash', f'tools/{script}'] + args, cwd=REPO, capture_output=True,
                         text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert f'{script}: error: {message}' in bad.stderr
    gpus = subprocess.run(['bash', f'tools/{script}', 'p', 'j', 'configs/kd/README.md',
                           'configs/kd/README.md'], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, GPUS='two'))
    assert gpus.returncode == 2 and "GPUS must be a positive integer, got 'two'" in gpus.stderr
