# The online rows' student alone: resnet8 on Fashion-MNIST (one input channel, ten classes),
# judged by top-1 (the protocols: configs/_base_/protocols/).
_base_ = [
    '../../_base_/models/cifar_resnet20_fashion-mnist.py',
    '../../_base_/evaluators/accuracy.py',
]
model = dict(backbone=dict(arch='resnet8'))
