# resnet20 alone on Fashion-MNIST (the protocols: configs/_base_/protocols/): the teacher of
# the distillation rows (configs/teachers/ trains the same config into work_dirs/teachers/) and
# the baseline of PS-KD, which self-distils resnet20.
_base_ = [
    '../../_base_/models/cifar_resnet20_fashion-mnist.py',
    '../../_base_/evaluators/accuracy.py',
]
model = dict(backbone=dict(arch='resnet20'))
