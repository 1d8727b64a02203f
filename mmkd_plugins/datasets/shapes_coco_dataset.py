"""``ShapesCocoDataset``: mmdet's ``CocoDataset`` on the generated shapes set (the tiny CPU
detection configs, ``configs/_base_/datasets/shapes_coco_tiny.py``).

The only difference: when the set has not been generated yet, the error names the command that
writes it instead of mmdet's bare ``No such file or directory``. Registered in mmdet's
``DATASETS``; imported by the tiny detection configs' ``custom_imports`` only, so that
``import mmkd_plugins`` never imports mmdet (which needs mmcv's compiled ops).
"""
import os.path as osp

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS


@DATASETS.register_module()
class ShapesCocoDataset(CocoDataset):
    """``CocoDataset`` whose missing annotation file says how to generate the set."""

    def load_data_list(self):
        if not osp.isfile(self.ann_file):
            root = self.data_root or osp.dirname(osp.dirname(self.ann_file))
            raise FileNotFoundError(
                f'{self.ann_file} not found: the generated shapes set is not there yet; make it '
                f'with `python tools/misc/make_shapes_coco.py {root}` (or set '
                f'train_dataloader.dataset.data_root to where it is)')
        return super().load_data_list()
