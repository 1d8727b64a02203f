import copy
import os
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook

import mmkd_plugins  # noqa: F401  (fixes + registrations before anything else)
from benchmarks import methods
from mmkd_plugins.testing import standin_checkpoints  # noqa: F401  (tests import it from here)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')


def config_path(rel):
    return osp.join(CONFIGS, rel)


# One protocol config per algorithm family, from the one list of methods (benchmarks/methods.py),
# shared by the multi-process, resume and bf16 tests (each picks the families it covers).
FAMILY_CONFIGS = methods.families()


class StepOutputs(Hook):
    """Every logged output (each loss term and ``loss``) of every training step, as floats, in
    ``seen`` (one dict per step)."""
    priority = 'LOWEST'

    def __init__(self):
        self.seen = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.seen.append({k: float(torch.as_tensor(v).detach()) for k, v in outputs.items()})


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
