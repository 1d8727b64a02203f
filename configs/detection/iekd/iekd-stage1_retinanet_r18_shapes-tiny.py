# Tiny CPU version of detector IE-KD stage 1 on the drawn-shapes COCO set: the frozen teacher is a
# RetinaNet R-18 (its checkpoint: a shapes-tiny run of ../retinanet_r18_fpn_shapes-tiny.py).
_base_ = ['./iekd-stage1_retinanet_r50_coco.py', '../../_base_/datasets/shapes_coco_tiny.py']
# ShapesCocoDataset (the generated shapes set) lives in a module of its own: it imports mmdet
custom_imports = dict(imports=['mmkd_plugins', 'mmkd_plugins.datasets.shapes_coco_dataset'],
                      allow_failed_imports=False)

model = dict(
    teacher=dict(backbone=dict(depth=18, init_cfg=None), neck=dict(in_channels=[64, 128, 256, 512]),
                 bbox_head=dict(num_classes=3), test_cfg=dict(score_thr=0.0)),
    teacher_ckpt='work_dirs/retinanet_r18_fpn_shapes-tiny/epoch_2.pth',
    auto_encoder=dict(in_channels=256, factor_channels=64))
work_dir = 'work_dirs/iekd-stage1_retinanet_r18_shapes-tiny'
train_dataloader = {{_base_.shapes_train_dataloader}}
val_dataloader = {{_base_.shapes_val_dataloader}}
test_dataloader = {{_base_.shapes_test_dataloader}}
val_evaluator = {{_base_.shapes_val_evaluator}}
test_evaluator = {{_base_.shapes_test_evaluator}}
train_cfg = {{_base_.shapes_train_cfg}}
default_hooks = {{_base_.shapes_default_hooks}}
