# Tiny CPU run of the backbone swap: RetinaNet R-18 with an exported ResNet-18 on the drawn-shapes
# COCO set (tools/misc/make_shapes_coco.py). Same family as the COCO/VOC configs: it inherits the
# COCO one and changes only data, image size, classes and schedule.
_base_ = ['./retinanet_r18_fpn_1x_coco_distilled.py', '../_base_/datasets/shapes_coco_tiny.py']
# ShapesCocoDataset (the generated shapes set) lives in a module of its own: it imports mmdet
custom_imports = dict(imports=['mmkd_plugins', 'mmkd_plugins.datasets.shapes_coco_dataset'],
                      allow_failed_imports=False)

# score_thr 0: an under-trained tiny model still returns boxes for CocoMetric to score
model = dict(bbox_head=dict(num_classes=3), test_cfg=dict(score_thr=0.0))

train_dataloader = {{_base_.shapes_train_dataloader}}
val_dataloader = {{_base_.shapes_val_dataloader}}
test_dataloader = {{_base_.shapes_test_dataloader}}
val_evaluator = {{_base_.shapes_val_evaluator}}
test_evaluator = {{_base_.shapes_test_evaluator}}
train_cfg = {{_base_.shapes_train_cfg}}
param_scheduler = {{_base_.shapes_param_scheduler}}
optim_wrapper = {{_base_.shapes_optim_wrapper}}
default_hooks = {{_base_.shapes_default_hooks}}

