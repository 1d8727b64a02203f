# resnet8x4 (RepDistiller's wide resnet8, 1.2M parameters) alone under the protocol: a candidate
# teacher for resnet8 when resnet20 is not 1.5 pt better than the student on the protocols' images.
_base_ = [
    '../../_base_/models/cifar_resnet20_fashion-mnist.py',
    '../../_base_/evaluators/accuracy.py',
]
model = dict(backbone=dict(arch='resnet8x4'), head=dict(in_channels=256))
