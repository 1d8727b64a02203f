# ResNet-18 on ImageNet-1k, 8 GPUs x 32 images, 90 epochs (the standard baseline).
_base_ = [
    'mmpretrain::_base_/models/resnet18.py',
    '../_base_/datasets/imagenet_bs256.py',
    '../_base_/schedules/imagenet_sgd_90e.py',
    '../_base_/default_runtime.py',
]
