"""mmpretrain's ``SelfSupDataPreprocessor`` for the online methods' views, without moving every
data sample to the device one by one.

KDCL (and DML with ``views='per_student'``) trains each student on its own augmented view: the
pipeline's ``MultiView`` yields m views per image, and ``SelfSupDataPreprocessor`` normalises
every view alike. It also moves the data samples to the device through ``cast_data``, one sample
at a time: on a GPU that is B small host-to-device copies a step, each waiting for the copy
before the next (130 copies and 136 synchronisations per iteration at batch 128, measured on an
H200 on 2026-12-04, ``docs/gpu_check.md``). The algorithms read only the samples' labels, which
``mmkd_plugins.utils.sample_labels`` stacks on the host and moves in one copy, so here the
samples stay where the data loader put them. The inputs are processed exactly as
``SelfSupDataPreprocessor`` does (same values, same device).
"""
from mmpretrain.models.utils import SelfSupDataPreprocessor
from mmpretrain.registry import MODELS


@MODELS.register_module()
class MultiViewDataPreprocessor(SelfSupDataPreprocessor):
    """``SelfSupDataPreprocessor`` whose ``data_samples`` stay on the host.

    Takes ``SelfSupDataPreprocessor``'s arguments (``mean``, ``std``, ``to_rgb``, ...)::

        data_preprocessor = dict(type='mmpretrain.MultiViewDataPreprocessor', mean=[72.94],
                                 std=[90.02])
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        samples = data.get('data_samples')
        out = super().forward(dict(data, data_samples=None), training)
        return dict(out, data_samples=samples)
