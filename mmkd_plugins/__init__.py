"""mmkd-plugins: knowledge-distillation plugins for the OpenMMLab stack.

Importing the package (``custom_imports = dict(imports=['mmkd_plugins'])``) first applies the
stack fixes of :mod:`mmkd_plugins.compat`, then registers every class:

- models (backbones, classifiers) and datasets/transforms into mmpretrain's registries, so configs
  with ``default_scope='mmpretrain'`` and architectures built with ``_scope_='mmpretrain'`` see them;
- distillation algorithms, distillers, losses and connectors into mmrazor's registries;
- hooks and metrics into mmengine's root registries, visible from every scope.
"""
from . import compat

compat.apply()

from . import datasets, dist, engine, evaluation, models  # noqa: E402,F401

__version__ = '0.1.0'
