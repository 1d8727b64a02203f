"""mmkd-plugins' own registry: the pieces no OpenMMLab registry has a place for.

Everything else registers into the registries users already know (mmpretrain's ``MODELS`` /
``DATASETS`` / ``TRANSFORMS``, mmrazor's ``MODELS``, mmengine's root ``HOOKS`` / ``METRICS`` /
``MODEL_WRAPPERS``; see ``mmkd_plugins/__init__.py``).

- ``KDCL_ENSEMBLES``: the ensemble teachers of KDCL (``dict(type='MinLogit')`` in a config's
  ``model.ensemble``). A fifth one is a ``torch.nn.Module`` whose ``forward(logits, labels)``
  maps the m students' logits (a list of ``B x C`` tensors) and the labels to one ``B x C``
  teacher logit; a ``num_members`` argument, when its ``__init__`` has one, is filled with m,
  and a ``loss(logits, labels)`` method, when it has one, is added to the losses as
  ``ensemble.loss_ce`` (as KDCL-Linear trains its weights)::

      from mmkd_plugins.registry import KDCL_ENSEMBLES

      @KDCL_ENSEMBLES.register_module()
      class MeanLogit(torch.nn.Module):
          def forward(self, logits, labels):
              return torch.stack(logits).mean(0)

  then ``model = dict(type='KDCL', ensemble=dict(type='MeanLogit'), ...)``, with the module that
  defines it in ``custom_imports``.
"""
from mmengine.registry import Registry

KDCL_ENSEMBLES = Registry('KDCL ensemble', scope='mmkd_plugins',
                          locations=['mmkd_plugins.models.algorithms.kdcl_ensembles'])
