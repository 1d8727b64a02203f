# Faster R-CNN R-18 FPN on PASCAL VOC 07+12 with a distilled ResNet-18.
_base_ = './faster-rcnn_r50_fpn_1x_voc0712_distilled.py'

backbone_checkpoint = 'work_dirs/export/resnet18_backbone.pth'
model = dict(
    backbone=dict(depth=18, init_cfg=dict(checkpoint=backbone_checkpoint)),
    neck=dict(in_channels=[64, 128, 256, 512]))
