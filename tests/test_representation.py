"""Linear CKA (hand formula, invariances), active-neuron counts, and the two analysis tools on an
IE-KD stage-2 model."""
import json
import os.path as osp
import runpy
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from conftest import REPO, config_path, standin_checkpoints
from mmkd_plugins.evaluation import channel_activity, count_active_neurons, linear_cka
from test_datasets import needs_data


def test_cka_equals_feature_space_formula():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(50, 7, generator=g), torch.randn(50, 4, generator=g)
    y = y + x[:, :4]  # correlated
    xc, yc = (x - x.mean(0)).double(), (y - y.mean(0)).double()
    ref = (yc.T @ xc).pow(2).sum() / ((xc.T @ xc).norm() * (yc.T @ yc).norm())
    assert linear_cka(x, y) == pytest.approx(ref.item(), rel=1e-6)
    assert 0.2 < linear_cka(x, y) < 0.99


def test_cka_invariances():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(64, 3, 4, 4, generator=g)  # a feature map: flattened per example
    q, _ = torch.linalg.qr(torch.randn(48, 48, generator=g, dtype=torch.float64))
    rotated = (x.reshape(64, -1).double() @ q)
    assert linear_cka(x, x) == pytest.approx(1.0, abs=1e-9)
    assert linear_cka(x, rotated) == pytest.approx(1.0, abs=1e-9)
    assert linear_cka(x, 3.5 * x + 2.0) == pytest.approx(1.0, abs=1e-9)
    noise = torch.randn(64, 48, generator=g)
    assert linear_cka(x, noise) < 0.9  # unrelated data is far from 1 (n=64, p=48)
    with pytest.raises(ValueError, match='same n'):
        linear_cka(x, x[:10])


def test_active_neurons_by_hand():
    f = torch.zeros(4, 5, 2, 2)
    f[:, 0] = 1.0         # mean 1
    f[0, 1] = 0.4         # mean 0.1
    f[:, 2, 0, 0] = 0.02  # mean 0.005
    assert channel_activity(f)[:3].tolist() == pytest.approx([1.0, 0.1, 0.005])
    assert count_active_neurons(f) == 3
    assert count_active_neurons(f, threshold=0.05) == 2
    assert count_active_neurons(f, threshold=0.5) == 1


@needs_data
def test_cka_and_active_neuron_tools_on_an_iekd_model(tmp_path, monkeypatch):
    rel = 'iekd/iekd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py'
    cfg = standin_checkpoints(Config.fromfile(config_path(rel)), tmp_path)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'iekd.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    options = ['--cfg-options', f'model.teacher_ckpt={cfg.model.teacher_ckpt}',
               'model.distiller.connectors.teacher_factor.stage1_checkpoint='
               f'{cfg.model.distiller.connectors.teacher_factor.stage1_checkpoint}',
               'test_dataloader.batch_size=32', 'test_dataloader.num_workers=0',
               'test_dataloader.persistent_workers=False', 'log_level=WARNING']
    monkeypatch.chdir(REPO)
    layer = 'architecture.backbone.layer3'
    out = str(tmp_path / 'cka.png')
    monkeypatch.setattr(sys, 'argv', [
        'cka.py', config_path(rel), ckpt, '--layers', 'architecture.backbone.layer2', layer,
        '--layers-b', 'teacher.backbone.layer3', layer, '--num-samples', '64', '--out', out,
        '--mode', 'loss'] + options)
    with pytest.raises(SystemExit) as done:  # the tool exits 0 through mmkd_plugins.cli.run
        runpy.run_path(osp.join(REPO, 'tools/analysis/cka.py'), run_name='__main__')
    assert done.value.code == 0
    assert osp.getsize(out) > 1000
    result = json.load(open(out.replace('.png', '.json')))
    assert result['num_samples'] == 64
    assert result['cka'][1][1] == pytest.approx(1.0, abs=1e-6)  # layer3 with itself
    assert 0 < result['cka'][0][0] < 1

    counts = str(tmp_path / 'active.json')
    monkeypatch.setattr(sys, 'argv', [
        'active_neurons.py', config_path(rel), ckpt, '--num-samples', '64', '--out', counts,
        '--threshold', '0.01', '--layers', layer,
        f'{layer}@distiller.connectors.inheritance.channels',
        f'{layer}@distiller.connectors.exploration.channels'] + options)
    with pytest.raises(SystemExit) as done:  # the tool exits 0 through mmkd_plugins.cli.run
        runpy.run_path(osp.join(REPO, 'tools/analysis/active_neurons.py'), run_name='__main__')
    assert done.value.code == 0
    layers = json.load(open(counts))['layers']
    whole, inh, exp = (layers[k] for k in layers)
    assert (inh['channels'], exp['channels'], whole['channels']) == (16, 16, 32)
    assert inh['active'] + exp['active'] == whole['active'] > 0  # the parts partition the map
