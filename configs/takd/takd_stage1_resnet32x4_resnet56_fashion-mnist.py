# Teacher-assistant KD (Mirzadeh et al., AAAI 2020), stage 1 of the chain resnet32x4 -> resnet56
# -> resnet20 on Fashion-MNIST: Hinton KD from the teacher into the assistant resnet56.
# Run the whole chain with tools/takd_chain.py (it hands each stage's student to the next).
_base_ = ['../kd/kd_resnet32x4_resnet20_fashion-mnist.py']

model = dict(architecture=dict(backbone=dict(arch='resnet56')))
