# Hinton KD with a student larger than its teacher (IE-KD paper, Fig. 1(b)): the resnet20 ->
# resnet8x0.5 method part with the two networks swapped (teacher resnet8x0.5 alone, student
# resnet20); the loss unchanged.
_base_ = ['./kd_resnet20_resnet8x0.5_fashion-mnist.py']

model = dict(
    architecture=dict(backbone=dict(arch='resnet20'), head=dict(in_channels=64)),
    teacher=dict(backbone=dict(arch='resnet8x0.5'), head=dict(in_channels=32)))
