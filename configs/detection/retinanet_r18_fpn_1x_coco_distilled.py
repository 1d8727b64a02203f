# RetinaNet R-18 FPN 1x on COCO with a distilled ResNet-18 (see the R-50 config for the export).
_base_ = './retinanet_r50_fpn_1x_coco_distilled.py'

backbone_checkpoint = 'work_dirs/export/resnet18_backbone.pth'
model = dict(
    backbone=dict(depth=18, init_cfg=dict(checkpoint=backbone_checkpoint)),
    neck=dict(in_channels=[64, 128, 256, 512]))
