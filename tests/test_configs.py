"""Every config in configs/ loads with Config.fromfile, and every one with a model builds it."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.registry import MODELS

from conftest import CONFIGS, standin_checkpoints
from mmkd_plugins.testing import find_key

ALL = sorted(osp.relpath(p, CONFIGS) for p in glob.glob(osp.join(CONFIGS, '**', '*.py'),
                                                          recursive=True))


def test_there_are_configs():
    assert len(ALL) > 10


@pytest.mark.parametrize('rel', ALL)
def test_config_loads_and_builds(rel, tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS, rel))
    if '_base_' not in rel.split(osp.sep):
        # Leaf configs are complete: what a user runs.
        for key in ('model', 'train_dataloader', 'optim_wrapper', 'train_cfg', 'default_scope'):
            assert key in cfg, f'{rel} lacks {key}'
        # our plugin first; beside it only modules of our own package (the tiny detection
        # configs' ShapesCocoDataset, which imports mmdet and so is not in the package import)
        imports = cfg.custom_imports.imports
        assert imports[0] == 'mmkd_plugins', rel
        assert all(m == 'mmkd_plugins' or m.startswith('mmkd_plugins.') for m in imports), rel
    if 'model' not in cfg or 'type' not in cfg.model:
        return
    if '_base_' in rel.split(osp.sep):
        # a method part leaves the checkpoints a protocol trains (its teacher, IE-KD's stage 1)
        # to the config of that protocol: stand-ins here as for every teacher
        for parent, _ in list(find_key(cfg.model, 'teacher')):
            if isinstance(parent['teacher'], dict):
                parent.setdefault('teacher_ckpt', 'set by the config of a protocol')
        for parent, _ in list(find_key(cfg.model, 'type')):
            if parent['type'] == 'IETeacherFactor':
                parent.setdefault('stage1_checkpoint', 'set by the config of a protocol')
    standin_checkpoints(cfg, tmp_path)  # teachers / stage-1 encoders are trained elsewhere
    scope = cfg.get('default_scope', 'mmpretrain')
    with DefaultScope.overwrite_default_scope(scope):
        init_default_scope(scope)
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


CLASSIFICATION = [r for r in ALL if '_base_' not in r.split(osp.sep)
                  and not r.startswith('detection' + osp.sep)]


@pytest.mark.parametrize('rel', CLASSIFICATION)
def test_every_classification_config_reports_calibration(rel):
    """Top-1 alone hides what distillation does to calibration (KD costs ~1 pt of ECE on the
    fitting-regime protocol): every method's config validates ECE and NLL beside it."""
    evaluators = Config.fromfile(osp.join(CONFIGS, rel)).val_evaluator
    types = [e['type'] for e in (evaluators if isinstance(evaluators, list) else [evaluators])]
    assert types[0] == 'Accuracy' and {'ECE', 'NLL'} <= set(types), (rel, types)
