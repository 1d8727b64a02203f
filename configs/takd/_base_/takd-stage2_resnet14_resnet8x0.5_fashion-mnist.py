# TAKD stage 2: Hinton KD from the assistant resnet14 (stage 1's student, exported as a plain
# classifier by tools/takd_chain.py) into the final student resnet8x0.5.
_base_ = ['../../kd/_base_/kd_resnet20_resnet8x0.5_fashion-mnist.py']

model = dict(
    teacher=dict(backbone=dict(arch='resnet14'), head=dict(in_channels=64)))
