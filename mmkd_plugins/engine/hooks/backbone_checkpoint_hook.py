"""A clear error, before any weight is loaded, when a detector's pre-trained backbone checkpoint
(``model.backbone.init_cfg=dict(type='Pretrained', checkpoint=...)``) is missing.

mmengine stops much later with a bare ``FileNotFoundError: ... can not be found``; this hook says
which config field points where and how to produce the file (the export command), or how to
train from scratch instead.
"""
import os.path as osp

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...utils import unwrap_model


@HOOKS.register_module()
class BackboneCheckpointHook(Hook):
    """Check every ``Pretrained`` ``init_cfg`` checkpoint of the model before the run."""

    priority = 'VERY_HIGH'

    def before_run(self, runner):
        model = unwrap_model(runner.model)
        for name, module in model.named_modules():
            init_cfg = getattr(module, 'init_cfg', None)
            for cfg in init_cfg if isinstance(init_cfg, list) else [init_cfg]:
                if not isinstance(cfg, dict) or cfg.get('type') != 'Pretrained':
                    continue
                path = cfg.get('checkpoint')
                if not path or '://' in str(path) or osp.isfile(path):
                    continue
                config = getattr(runner.cfg, 'filename', None) or 'CONFIG'
                raise FileNotFoundError(
                    f'{name or "model"}.init_cfg.checkpoint={path!r} does not exist. It is the '
                    f'exported backbone of a trained classifier: produce it with\n'
                    f'  python tools/export_backbone.py CLASSIFIER_CKPT {path} '
                    f'--detector-config {config}\n'
                    f'(`make demo-detection` does it end to end on generated data), point it at '
                    f'another file with --cfg-options model.{name}.init_cfg.checkpoint=PATH, or '
                    f'train from scratch with --cfg-options model.{name}.init_cfg=None')
