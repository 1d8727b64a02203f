"""mmkd-plugins: knowledge-distillation plugins for the OpenMMLab stack.

Importing the package (``custom_imports = dict(imports=['mmkd_plugins'])``) first applies the
stack fixes of :mod:`mmkd_plugins.compat`, then registers every class:

- models (backbones, classifiers) and datasets/transforms into mmpretrain's registries, so configs
  with ``default_scope='mmpretrain'`` and architectures built with ``_scope_='mmpretrain'`` see them;
- distillation algorithms, distillers, losses and connectors into mmrazor's registries;
- hooks and metrics into mmengine's root registries, visible from every scope.
"""
from .cli import importable  # standard library only

if not importable('mmcv'):  # pip installed us without one of the two extras
    raise ImportError('mmkd-plugins needs mmcv, one of two distributions (never both): pip '
                      'install "mmkd-plugins[lite]" (mmcv-lite: classification and distillation) '
                      'or "mmkd-plugins[detection]" (mmcv with its compiled ops, and mmdet); or '
                      'bash scripts/install.sh lite|full')

from . import compat  # noqa: E402

compat.apply()

from . import datasets, dist, engine, evaluation, models  # noqa: E402,F401

__version__ = '0.1.0'
