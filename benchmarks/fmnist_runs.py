"""Shared by the Fashion-MNIST accuracy benchmarks: train a config on a (sub)set and evaluate it."""
import os.path as osp
import time

import mmkd_plugins  # noqa: F401
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def train_and_test(config, seed, n_train, epochs, work_dir, evaluators=None, edit=None,
                   keep_checkpoints=False, timings=None):
    """Train ``config`` (a Fashion-MNIST config of this repo) with ``seed`` on the first
    ``n_train`` training images for ``epochs`` epochs (the baseline's warm-up + cosine schedule
    rescaled), then return the metrics on the full 10k test set.

    ``edit(cfg)`` changes the config before the run; ``keep_checkpoints`` keeps every epoch's
    checkpoint in ``work_dir``; ``timings`` (a dict) receives the training wall time in seconds
    under ``'train_s'``."""
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
    if isinstance(cfg.param_scheduler, list) and len(cfg.param_scheduler) > 1:
        cfg.param_scheduler[1].T_max = epochs - 1
        cfg.param_scheduler[1].end = epochs
    if n_train < 60000:
        cfg.train_dataloader.dataset.indices = n_train
    if cfg.model.get('memory'):
        cfg.model.memory.num_samples = n_train
    if evaluators is not None:
        cfg.val_evaluator = cfg.test_evaluator = evaluators
    if keep_checkpoints:
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, max_keep_ckpts=-1)
    else:
        cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1, save_last=False)
    cfg.default_hooks.logger.interval = 200
    cfg.log_level = 'WARNING'
    if edit is not None:
        edit(cfg)
    runner = Runner.from_cfg(cfg)
    t = time.perf_counter()
    runner.train()
    if timings is not None:
        timings['train_s'] = time.perf_counter() - t
    return runner.val_loop.run()
