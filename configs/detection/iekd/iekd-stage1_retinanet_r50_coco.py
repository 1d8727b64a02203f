# IE-KD on a detector, stage 1: an auto-encoder learns the frozen COCO RetinaNet R-50's backbone
# layer3 map (1024 ch, stride 16) through a 256-channel factor (L1 reconstruction, 2 epochs of COCO
# train2017; the teacher is mmdet's released RetinaNet R-50 1x, 36.5 box AP). Validation reports
# the teacher's own COCO AP.
_base_ = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'

custom_imports = dict(imports=['mmkd_plugins'], allow_failed_imports=False)
teacher_ckpt = ('https://download.openmmlab.com/mmdetection/v2.0/retinanet/'
                'retinanet_r50_fpn_1x_coco/retinanet_r50_fpn_1x_coco_20200130-c2398f9e.pth')
teacher_feature = 'backbone.layer3'
model = dict(
    _delete_=True,
    type='mmrazor.IEFactorExtraction',
    teacher={{_base_.model}},
    teacher_ckpt=teacher_ckpt,
    feature=teacher_feature,
    auto_encoder=dict(type='IEAutoEncoder', in_channels=1024, factor_channels=256),
    reconstruction='l1')
optim_wrapper = dict(_delete_=True, optimizer=dict(type='Adam', lr=1e-3, weight_decay=0))
param_scheduler = []
train_cfg = dict(max_epochs=2, val_interval=2)
work_dir = 'work_dirs/iekd-stage1_retinanet_r50_coco'
