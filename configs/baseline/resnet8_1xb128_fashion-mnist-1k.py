# The fitting-regime protocol's student alone (online rows' baseline): resnet8 on the first
# 1,000 Fashion-MNIST training images, 200 epochs (configs/_base_/protocols/fashion-mnist-1k.py).
_base_ = ['../_base_/protocols/fashion-mnist-1k.py']
model = dict(backbone=dict(arch='resnet8'))
