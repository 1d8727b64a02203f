# RetinaNet R-50 FPN on PASCAL VOC 07+12 (mmdet's config, 4 x 3 epochs) with a distilled ResNet-50.
_base_ = 'mmdet::pascal_voc/retinanet_r50_fpn_1x_voc0712.py'

custom_imports = dict(imports=['mmkd_plugins'], allow_failed_imports=False)
backbone_checkpoint = 'work_dirs/export/resnet50_backbone.pth'
model = dict(
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint,
                                prefix='backbone.')))
# a missing backbone checkpoint is a clear error naming the export command
custom_hooks = [dict(type='BackboneCheckpointHook')]
# RNG states in every checkpoint: --resume continues exactly (RNGStateHook)
default_hooks = dict(rng_state=dict(type='RNGStateHook'))
