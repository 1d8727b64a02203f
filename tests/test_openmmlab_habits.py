"""The OpenMMLab user's habits: mim train / test / search, a README + metafile per config family,
config names, TensorBoard, and tools that answer --help and fail in one line."""
import glob
import os
import os.path as osp
import re
import runpy
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import CONFIGS, REPO
from test_datasets import needs_data


FAMILIES = sorted(d for d in os.listdir(CONFIGS)
                  if osp.isdir(osp.join(CONFIGS, d)) and d != '_base_')
ALL_CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
                     if '_base_' not in p)
MIM = osp.join(osp.dirname(sys.executable), 'mim')
TINY = ['train_dataloader.dataset.indices=64', 'val_dataloader.dataset.indices=64',
        'test_dataloader.dataset.indices=64', 'train_cfg.max_epochs=1',
        'train_dataloader.batch_size=32', 'val_dataloader.batch_size=64']


def _run(cmd, cwd, ok=True, timeout=600):
    env = dict(os.environ, OMP_NUM_THREADS='2', PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if ok:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


# -- mim -----------------------------------------------------------------------------------------
def test_package_carries_configs_tools_and_model_index_for_mim():
    from mim.utils import get_installed_path
    root = get_installed_path('mmkd_plugins')
    for name in ('configs', 'tools', 'model-index.yml'):
        assert osp.exists(osp.join(root, '.mim', name)), name
    assert osp.isfile(osp.join(root, '.mim', 'tools', 'train.py'))
    assert osp.isfile(osp.join(root, '.mim', 'configs', 'pskd',
                               'pskd_resnet20_1xb128_fashion-mnist-5k.py'))


def test_mim_search_lists_our_configs(tmp_path):
    out = _run([MIM, 'search', 'mmkd_plugins'], str(tmp_path)).stdout
    listed = set(re.findall(r'config id: (\S+)', out))
    stems = {osp.splitext(osp.basename(p))[0] for p in ALL_CONFIGS}
    assert listed == stems, (stems - listed, listed - stems)
    out = _run([MIM, 'search', 'mmkd_plugins', '--model', 'ps-kd'], str(tmp_path)).stdout
    assert 'pskd_resnet20_1xb128_fashion-mnist-5k' in out
    assert 'kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k' not in out


def _mim_blocks(out):
    """``{config id: [field lines]}`` of ``mim search`` output."""
    blocks = {}
    for chunk in out.split('config id: ')[1:]:
        name, *lines = [ln for ln in chunk.splitlines() if ln.strip() and not ln.startswith('---')]
        blocks[name.strip()] = lines
    return blocks


def test_mim_search_shows_every_value_at_its_default_width(tmp_path):
    """At mim's default 80 columns, every model's fields print with their values (a key column
    wider than the display, e.g. from a long dataset name, hides all of them)."""
    blocks = _mim_blocks(_run([MIM, 'search', 'mmkd_plugins'], str(tmp_path)).stdout)
    metrics = {}
    for family in glob.glob(osp.join(CONFIGS, '*', 'metafile.yml')):
        for model in yaml.safe_load(open(family))['Models']:
            for result in model.get('Results', []):
                metrics[model['Name']] = result['Metrics']
    assert len(blocks) > 50 and metrics
    for name, lines in blocks.items():
        assert any(re.match(r'batch_size\S*\s+\d+\s*$', ln) for ln in lines), (name, lines)
        assert any(re.match(r'config\s+configs/\S+', ln) for ln in lines), (name, lines)
        for value in metrics.get(name, {}).values():  # each result value on its own line
            assert any(ln.rstrip().endswith(f' {value}') for ln in lines), (name, value, lines)
    out = _run([MIM, 'search', 'mmkd_plugins', '--dataset', 'fashion-mnist-1k', '--condition',
                'top_1_accuracy>85', '--sort', 'fashion-mnist-1k/ece', '--ascending'],
               str(tmp_path)).stdout
    listed = _mim_blocks(out)
    assert listed and all(n.endswith('fashion-mnist-1k') for n in listed)
    eces = [float(re.search(r'fashion-mnist-1k/ece\s+([0-9.]+)', '\n'.join(v))[1])
            for v in listed.values()]
    assert eces == sorted(eces)
    assert all(metrics[n]['Top 1 Accuracy'] > 85 for n in listed)


@needs_data
def test_mim_train_and_test_by_config_name(tmp_path):
    # From an unrelated folder, by name only: mim finds the config under mmkd_plugins/.mim.
    work = tmp_path / 'w'
    out = _run([MIM, 'train', 'mmkd_plugins', 'resnet8_1xb128_fashion-mnist-5k.py', '--gpus', '0',
                '--work-dir', str(work), '--cfg-options'] + TINY, str(tmp_path)).stdout
    assert 'Training finished successfully' in out
    assert 'Final validation (1 epochs, 2 iterations): accuracy/top1' in out
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    out = _run([MIM, 'test', 'mmkd_plugins', 'resnet8_1xb128_fashion-mnist-5k.py', '--checkpoint',
                str(ckpt), '--gpus', '0', '--cfg-options'] + TINY, str(tmp_path)).stdout
    assert 'Testing finished successfully' in out
    assert re.search(r"'accuracy/top1': [0-9.]+", out)


@needs_data
def test_mim_train_launcher_pytorch_two_processes(tmp_path):
    work = tmp_path / 'w'
    proc = _run([MIM, 'train', 'mmkd_plugins', 'resnet8_1xb128_fashion-mnist-5k.py',
                 '--launcher', 'pytorch', '--gpus', '2', '--work-dir', str(work),
                 '--cfg-options'] + TINY[:-2] + ['train_dataloader.batch_size=16'], str(tmp_path))
    out = proc.stdout + proc.stderr
    assert 'Training finished successfully' in out
    # 64 images / (2 processes x 16) = 2 iterations per process and epoch
    assert 'Final validation (1 epochs, 2 iterations)' in out


# -- README + metafile per family, model index --------------------------------------------------
@pytest.mark.parametrize('family', FAMILIES)
def test_every_family_has_a_readme_with_bibtex_results_and_commands(family):
    path = osp.join(CONFIGS, family, 'README.md')
    assert osp.isfile(path), f'configs/{family}/README.md missing'
    text = open(path).read()
    assert re.search(r'```bibtex\n@(inproceedings|article)\{[^,]+,\n.*title', text, re.S)
    assert '<!-- results:begin -->' in text and '<!-- results:end -->' in text
    assert '## Usage' in text and 'tools/' in text
    block = text.split('<!-- results:begin -->')[1].split('<!-- results:end -->')[0]
    for cfg in ALL_CONFIGS:  # the configs a user runs (a method's parts, in _base_/, are not)
        if cfg.startswith(osp.join(CONFIGS, family) + os.sep):
            assert osp.splitext(osp.basename(cfg))[0] in block, cfg


@pytest.mark.parametrize('family', FAMILIES)
def test_every_config_has_a_metafile_entry(family):
    meta = yaml.safe_load(open(osp.join(CONFIGS, family, 'metafile.yml')))
    models = {m['Config']: m for m in meta['Models']}
    configs = {osp.relpath(p, REPO) for p in ALL_CONFIGS
               if p.startswith(osp.join(CONFIGS, family) + os.sep)}
    assert set(models) == configs
    names = {c['Name'] for c in meta['Collections']}
    for m in models.values():
        assert m['In Collection'] in names
        assert m['Metadata']['Training Data']


def test_model_index_imports_every_metafile():
    index = yaml.safe_load(open(osp.join(REPO, 'model-index.yml')))
    assert sorted(index['Import']) == sorted(f'configs/{f}/metafile.yml' for f in FAMILIES)


def test_metafiles_and_readme_blocks_are_up_to_date():
    """What benchmarks.accuracy.model_zoo would write from the configs and the committed results
    is what is committed (a renamed config or a new result without a rebuild fails here)."""
    from benchmarks.accuracy import model_zoo
    assert model_zoo.update(check=True) == []


def test_measured_results_reach_the_metafile():
    import json
    res = osp.join(REPO, 'benchmarks', 'accuracy', 'results', 'fashion-mnist-5k', 'alone')
    runs = [json.load(open(p)) for p in glob.glob(osp.join(res, 'seed*.json'))]
    if not runs:
        pytest.skip('no committed result for the student alone yet')
    meta = yaml.safe_load(open(osp.join(CONFIGS, 'baseline', 'metafile.yml')))
    entry = next(m for m in meta['Models']
                 if m['Name'] == 'resnet8_1xb128_fashion-mnist-5k')
    mean = sum(r['metrics']['accuracy/top1'] for r in runs) / len(runs)
    assert entry['Results'][0]['Metrics']['Top 1 Accuracy'] == pytest.approx(mean, abs=0.006)


# -- config names --------------------------------------------------------------------------------
NAME = re.compile(r'^[a-z0-9.]+(-[a-z0-9]+)*'           # method[-variant] or model
                  r'(_[a-z0-9.-]+){0,3}'                 # teacher / student / arch parts
                  r'_\d+xb\d+(-[a-z0-9]+)?'              # N GPUs x batch [-schedule]
                  r'_[a-z0-9-]+$')                       # dataset


@pytest.mark.parametrize('path', [p for p in ALL_CONFIGS
                                  if os.sep + 'detection' + os.sep not in p],
                         ids=lambda p: osp.relpath(p, CONFIGS))
def test_classification_config_names_follow_the_openmmlab_pattern(path):
    """{method}[-variant]_{teacher}_{student}_{N}xb{B}_{dataset} (mmrazor's order, e.g.
    kd_logits_resnet34_resnet18_8xb32_in1k); detection configs keep mmdet's pattern."""
    from mmengine.config import Config
    stem = osp.splitext(osp.basename(path))[0]
    assert NAME.match(stem), stem
    n, b = map(int, re.search(r'_(\d+)xb(\d+)', stem).groups())
    assert Config.fromfile(path).train_dataloader.batch_size == b, stem


# -- TensorBoard ---------------------------------------------------------------------------------
@needs_data
def test_tensorboard_option_writes_events(tmp_path):
    work = tmp_path / 'w'
    _run([sys.executable, 'tools/train.py',
          'configs/baseline/resnet8_1xb128_fashion-mnist-5k.py', '--tensorboard',
          '--work-dir', str(work), '--cfg-options'] + TINY, REPO)
    events = glob.glob(str(work / '*' / 'vis_data' / 'events.out.tfevents.*'))
    assert events, os.listdir(work)
    assert glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))  # the local one stays
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(events[0])
    acc.Reload()
    assert 'loss' in acc.Tags()['scalars']


def test_tensorboard_base_config_adds_the_backend():
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(CONFIGS, '_base_', 'tensorboard.py'))
    types = [b['type'] for b in cfg.visualizer.vis_backends]
    assert types == ['LocalVisBackend', 'TensorboardVisBackend']


# -- tools: --help and one-line errors ----------------------------------------------------------
PY_TOOLS = sorted(osp.relpath(p, REPO) for p in glob.glob(osp.join(REPO, 'tools', '**', '*.py'),
                                                            recursive=True))
BAD = {  # one bad call per tool: a missing file or an out-of-range value
    'tools/train.py': ['missing.py'],
    'tools/test.py': ['missing.py', 'missing.pth'],
    'tools/export_backbone.py': ['missing.pth', 'out.pth'],
    'tools/export_student.py': ['missing.pth', 'out.pth'],
    'tools/takd_chain.py': ['missing.py'],
    'tools/train_teachers.py': ['missing.py'],
    'tools/demo_detection.py': ['--det-epochs', '0'],
    'tools/analysis/cka.py': ['missing.py', '--layers', 'backbone.layer1'],
    'tools/analysis/active_neurons.py': ['missing.py', '--layers', 'backbone.layer1'],
    'tools/analysis/reliability_diagram.py': ['missing.pkl'],
    'tools/analysis/distill_report.py': ['missing_run_dir'],
    'tools/misc/make_shapes_coco.py': ['out', '--n-train', '0'],
    'tools/misc/gpu_wheels.py': ['out', '--max-mib', 'many'],
}


def _tool(rel, args, capsys, monkeypatch):
    monkeypatch.setattr(sys, 'argv', [osp.basename(rel)] + args)
    with pytest.raises(SystemExit) as e:
        runpy.run_path(osp.join(REPO, rel), run_name='__main__')
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_every_tool_is_covered():
    assert sorted(BAD) == PY_TOOLS


@pytest.mark.parametrize('rel', PY_TOOLS)
def test_tool_help(rel, capsys, monkeypatch):
    code, out, _ = _tool(rel, ['--help'], capsys, monkeypatch)
    assert code == 0
    assert out.startswith(f'usage: {osp.basename(rel)}')
    # README shows each tool's command; its help names the same tool
    assert rel in open(osp.join(REPO, 'README.md')).read() or rel in ''.join(
        open(p).read() for p in glob.glob(osp.join(CONFIGS, '*', 'README.md')))


@pytest.mark.parametrize('rel', PY_TOOLS)
def test_tool_bad_argument_is_one_line(rel, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, err = _tool(rel, BAD[rel], capsys, monkeypatch)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f'{osp.basename(rel)}: error: '), err
    assert 'Traceback' not in err


def test_tool_runtime_error_is_one_line(tmp_path, capsys, monkeypatch):
    """Bad input found after parsing (here: a student index a plain checkpoint lacks) is one
    line and exit 1, not a traceback."""
    import torch
    ckpt = tmp_path / 'plain.pth'
    torch.save({'state_dict': {'backbone.conv1.weight': torch.zeros(1)}}, ckpt)
    code, _, err = _tool('tools/export_student.py', [str(ckpt), str(tmp_path / 'o.pth'),
                                                      '--student', '3'], capsys, monkeypatch)
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and 'export_student.py: error:' in err, err


@pytest.mark.parametrize('script,args', [('dist_train.sh', ['missing.py', '2']),
                                         ('dist_train.sh', ['configs/kd/README.md', 'x']),
                                         ('dist_test.sh', ['missing.py'])])
def test_dist_scripts_help_and_bad_arguments(script, args):
    bash = shutil.which('bash')
    ok = _run([bash, f'tools/{script}', '--help'], REPO)
    assert ok.stdout.startswith(f'usage: bash tools/{script}')
    bad = _run([bash, f'tools/{script}'] + args, REPO, ok=False)
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and f'{script}: error:' in bad.stderr
