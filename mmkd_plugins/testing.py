"""Helpers for tests and benchmarks that build our configs without trained runs.

:func:`standin_checkpoints` points a config's teacher / IE-KD stage-1 checkpoints at stand-in
files, so a distillation model can be built (and its step timed or tested) before any teacher
exists. Used by ``tests/`` and ``benchmarks/speed/``.
"""
import copy
import os
import os.path as osp


def find_key(node, key, path=()):
    """Yield (parent, path) for every dict in a config tree that holds ``key``."""
    if isinstance(node, dict):
        if key in node:
            yield node, path
        for k, v in node.items():
            yield from find_key(v, key, path + (k, ))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from find_key(v, key, path + (i, ))


def standin_checkpoints(cfg, tmp_dir):
    """Point every ``teacher_ckpt`` / ``stage1_checkpoint`` of ``cfg.model`` at a stand-in file.

    Teachers: the (untrained) teacher built from its own config, saved as a plain checkpoint;
    IE-KD stage 1: an untrained IEAutoEncoder of the connector's channels under
    ``auto_encoder.``. Lets config tests build distillation models without trained runs.
    """
    import torch
    from mmengine.registry import DefaultScope
    from mmrazor.registry import MODELS  # builds cfg_path= teachers too

    from .models.connectors import IEAutoEncoder

    os.makedirs(tmp_dir, exist_ok=True)
    for i, (parent, _) in enumerate(find_key(cfg.model, 'teacher_ckpt')):
        if parent.get('teacher_ckpt') is None:
            continue
        with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmpretrain')):
            teacher = MODELS.build(copy.deepcopy(parent['teacher']))
        path = osp.join(str(tmp_dir), f'teacher{i}.pth')
        torch.save(dict(state_dict=teacher.state_dict()), path)
        parent['teacher_ckpt'] = path
    for i, (parent, _) in enumerate(find_key(cfg.model, 'stage1_checkpoint')):
        ae = IEAutoEncoder(parent['in_channels'], parent['factor_channels'])
        path = osp.join(str(tmp_dir), f'stage1_{i}.pth')
        torch.save(dict(state_dict={f'auto_encoder.{k}': v
                                    for k, v in ae.state_dict().items()}), path)
        parent['stage1_checkpoint'] = path
    return cfg
