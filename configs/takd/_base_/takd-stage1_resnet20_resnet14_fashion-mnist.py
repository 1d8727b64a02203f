# Teacher-assistant KD (Mirzadeh et al., AAAI 2020), stage 1 of the chain resnet20 -> resnet14 ->
# resnet8x0.5 on Fashion-MNIST (the protocol): Hinton KD from the teacher into the assistant
# resnet14. Run the whole chain with tools/takd_chain.py (it hands each stage's student to the
# next).
_base_ = ['../../kd/_base_/kd_resnet20_resnet8x0.5_fashion-mnist.py']

model = dict(architecture=dict(backbone=dict(arch='resnet14'), head=dict(in_channels=64)))
