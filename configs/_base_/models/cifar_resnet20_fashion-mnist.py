# The CIFAR resnet20 classifier for Fashion-MNIST: one input channel, ten classes.
_base_ = ['./cifar_resnet20.py']
model = dict(backbone=dict(in_channels=1), head=dict(num_classes=10))
