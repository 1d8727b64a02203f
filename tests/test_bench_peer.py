"""The peer-toolbox benchmark (benchmarks/speed/bench_peer.py) times the same Hinton KD step on
both sides: its torchdistill config carries our KD config's loss and optimiser, its networks are
the config's, and without torchdistill (installed for the benchmark only) it says how to add it.
"""
import sys

from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmrazor.registry import MODELS

from conftest import config_path
from benchmarks.speed import bench_peer
from mmkd_plugins.testing import standin_checkpoints


def test_peer_config_is_our_kd_step():
    cfg = Config.fromfile(config_path(bench_peer.KD_CONFIG.split('configs/', 1)[1]))
    peer = bench_peer.peer_config(cfg.train_dataloader.batch_size)
    kd = peer['criterion']['kwargs']['sub_terms']['kd']['criterion']['kwargs']
    ours = cfg.model.distiller.distill_losses.loss_kl
    assert kd['temperature'] == ours.tau
    assert (kd['alpha'], kd['beta']) == (cfg.model.architecture.head.loss.loss_weight,
                                         ours.loss_weight)  # 0.1 CE + 0.9 T^2 KL
    assert kd['reduction'] == 'batchmean' and peer['teacher']['requires_grad'] is False
    opt = cfg.optim_wrapper.optimizer
    assert peer['optimizer']['key'] == opt.type == 'SGD'
    assert {k: peer['optimizer']['kwargs'][k] for k in ('lr', 'momentum', 'nesterov',
            'weight_decay')} == {k: opt[k] for k in ('lr', 'momentum', 'nesterov',
                                                     'weight_decay')}
    assert peer['train_data_loader']['kwargs']['batch_size'] == 128


def test_peer_networks_are_the_configs(tmp_path):
    cfg = standin_checkpoints(
        Config.fromfile(config_path(bench_peer.KD_CONFIG.split('configs/', 1)[1])), tmp_path)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    for ours, arch in ((model.student, 'resnet8x0.5'), (model.teacher, 'resnet20')):
        plain = bench_peer.Classifier(arch)
        assert [p.shape for p in plain.parameters()] == [p.shape for p in ours.parameters()]


def test_without_torchdistill_it_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, 'torchdistill', None)  # import torchdistill -> ImportError
    assert bench_peer.main(['--iters', '1', '--rounds', '1']) is None
    out = capsys.readouterr().out
    assert 'skipped' in out and 'pip install --target work_dirs/peer' in out
