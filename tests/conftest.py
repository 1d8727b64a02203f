import copy
import os
import os.path as osp

import pytest

import mmkd_plugins  # noqa: F401  (fixes + registrations before anything else)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')


def config_path(rel):
    return osp.join(CONFIGS, rel)


# One protocol config per algorithm family, shared by the multi-process, resume and bf16 tests
# (each picks the families it covers).
FAMILY_CONFIGS = {
    'plain': 'baseline/resnet8_1xb128_fashion-mnist-5k.py',
    'pskd-memory': 'pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py',
    'pskd-snapshot': 'pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py',
    'kdcl-minlogit': 'kdcl/kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-5k.py',
    'kdcl-linear': 'kdcl/kdcl-linear_2xresnet8_1xb128_fashion-mnist-5k.py',
    'kdcl-naive': 'kdcl/kdcl-naive_2xresnet8_1xb128_fashion-mnist-5k.py',
    'kdcl-general': 'kdcl/kdcl-general_2xresnet8_1xb128_fashion-mnist-5k.py',
    'dml-alternate': 'dml/dml_2xresnet8_1xb128_fashion-mnist-5k.py',
    'iedml': 'iekd/iedml_2xresnet8_1xb128_fashion-mnist-5k.py',
    'kd': 'kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'fitnets': 'fitnets/fitnets_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'at': 'at/at_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'iekd-stage1': 'iekd/iekd-stage1_resnet20_1xb128_fashion-mnist-5k.py',
    'iekd-stage2': 'iekd/iekd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
    'iekd-ft': 'iekd/iekd-ft_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
}


def families(*names):
    return {k: FAMILY_CONFIGS[k] for k in names}


def shrink(cfg, work_dir, n_train=64, n_val=64, batch_size=32, max_epochs=1):
    """Make a config train ``max_epochs * n_train / batch_size`` iterations on a data subset."""
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = str(work_dir)
    for name, n in (('train_dataloader', n_train), ('val_dataloader', n_val),
                    ('test_dataloader', n_val)):
        if cfg.get(name) is None:
            continue
        loader = cfg[name]
        loader.batch_size = batch_size
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.indices = n
    cfg.train_cfg.max_epochs = max_epochs
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.save_best = None
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    cfg.env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'),
                       mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
    cfg.visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture(autouse=True, scope='session')
def _threads():
    import torch
    torch.set_num_threads(int(os.environ.get('MMKD_TEST_THREADS', '2')))


def _find_key(node, key, path=()):
    """Yield (parent, path) for every dict in a config tree that holds ``key``."""
    if isinstance(node, dict):
        if key in node:
            yield node, path
        for k, v in node.items():
            yield from _find_key(v, key, path + (k, ))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _find_key(v, key, path + (i, ))


def standin_checkpoints(cfg, tmp_dir):
    """Point every ``teacher_ckpt`` / ``stage1_checkpoint`` of ``cfg.model`` at a stand-in file.

    Teachers: the (untrained) teacher built from its own config, saved as a plain checkpoint;
    IE-KD stage 1: an untrained IEAutoEncoder of the connector's channels under
    ``auto_encoder.``. Lets config tests build distillation models without trained runs.
    """
    import torch
    from mmengine.registry import DefaultScope
    from mmrazor.registry import MODELS  # builds cfg_path= teachers too
    from mmkd_plugins.models.connectors import IEAutoEncoder

    os.makedirs(tmp_dir, exist_ok=True)
    for i, (parent, _) in enumerate(_find_key(cfg.model, 'teacher_ckpt')):
        if parent.get('teacher_ckpt') is None:
            continue
        with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmpretrain')):
            teacher = MODELS.build(copy.deepcopy(parent['teacher']))
        path = osp.join(str(tmp_dir), f'teacher{i}.pth')
        torch.save(dict(state_dict=teacher.state_dict()), path)
        parent['teacher_ckpt'] = path
    for i, (parent, _) in enumerate(_find_key(cfg.model, 'stage1_checkpoint')):
        ae = IEAutoEncoder(parent['in_channels'], parent['factor_channels'])
        path = osp.join(str(tmp_dir), f'stage1_{i}.pth')
        torch.save(dict(state_dict={f'auto_encoder.{k}': v
                                    for k, v in ae.state_dict().items()}), path)
        parent['stage1_checkpoint'] = path
    return cfg
