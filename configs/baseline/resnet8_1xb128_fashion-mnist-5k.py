# The protocol's student alone: resnet8 on the first 5,000 Fashion-MNIST training images,
# 40 epochs, batch 128 on one process (configs/_base_/protocols/fashion-mnist-5k.py).
_base_ = ['../_base_/protocols/fashion-mnist-5k.py']
model = dict(backbone=dict(arch='resnet8'))
