# resnet8x0.5 (resnet8 at half width: 8-16-32 channels, 20k parameters) alone under the
# protocol: the student of the teacher-student rows if resnet20 is >= 1.5 pt above it, where it
# is not above resnet8 (1.04 pt on seed 0).
_base_ = [
    '../../_base_/models/cifar_resnet20_fashion-mnist.py',
    '../../_base_/evaluators/accuracy.py',
]
model = dict(backbone=dict(arch='resnet8x0.5'), head=dict(in_channels=32))
