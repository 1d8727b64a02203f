# resnet32x4 (RepDistiller's CIFAR teacher, 7.4M params).
_base_ = './cifar_resnet20.py'

model = dict(backbone=dict(arch='resnet32x4'), head=dict(in_channels=256))
