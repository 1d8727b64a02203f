# Tiny CPU version of detector IE-KD stage 2 on the drawn-shapes COCO set: student and teacher
# RetinaNet R-18 (teacher factor from iekd-stage1_retinanet_r18_shapes-tiny.py), no downloads.
_base_ = ['./iekd_retinanet_r50_r18_coco.py', '../../_base_/datasets/shapes_coco_tiny.py']
# ShapesCocoDataset (the generated shapes set) lives in a module of its own: it imports mmdet
custom_imports = dict(imports=['mmkd_plugins', 'mmkd_plugins.datasets.shapes_coco_dataset'],
                      allow_failed_imports=False)

model = dict(
    architecture=dict(backbone=dict(init_cfg=None), bbox_head=dict(num_classes=3),
                      test_cfg=dict(score_thr=0.0)),
    teacher=dict(_delete_=True, type='RetinaNet',
                 data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                        std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                                        pad_size_divisor=32),
                 backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(0, 1, 2, 3),
                               frozen_stages=1, norm_cfg=dict(type='BN', requires_grad=True),
                               norm_eval=True, style='pytorch'),
                 neck=dict(type='FPN', in_channels=[64, 128, 256, 512], out_channels=256,
                           start_level=1, add_extra_convs='on_input', num_outs=5),
                 bbox_head=dict(
                     type='RetinaHead', num_classes=3, in_channels=256, stacked_convs=4,
                     feat_channels=256,
                     anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                                           scales_per_octave=3, ratios=[0.5, 1.0, 2.0],
                                           strides=[8, 16, 32, 64, 128]),
                     bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0],
                                     target_stds=[1.0, 1.0, 1.0, 1.0]),
                     loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                                   loss_weight=1.0),
                     loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
                 train_cfg={{_base_.model.architecture.train_cfg}},
                 test_cfg={{_base_.model.architecture.test_cfg}}),
    teacher_ckpt='work_dirs/retinanet_r18_fpn_shapes-tiny/epoch_2.pth',
    distiller=dict(connectors=dict(
        inheritance=dict(factor_channels=64),
        exploration=dict(factor_channels=64),
        teacher_factor=dict(
            in_channels=256, factor_channels=64,
            stage1_checkpoint='work_dirs/iekd-stage1_retinanet_r18_shapes-tiny/epoch_2.pth'))))
train_dataloader = {{_base_.shapes_train_dataloader}}
val_dataloader = {{_base_.shapes_val_dataloader}}
test_dataloader = {{_base_.shapes_test_dataloader}}
val_evaluator = {{_base_.shapes_val_evaluator}}
test_evaluator = {{_base_.shapes_test_evaluator}}
train_cfg = {{_base_.shapes_train_cfg}}
param_scheduler = {{_base_.shapes_param_scheduler}}
optim_wrapper = {{_base_.shapes_optim_wrapper}}
default_hooks = {{_base_.shapes_default_hooks}}
