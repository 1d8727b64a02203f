# Baseline: resnet20 on Fashion-MNIST, sized for 2 CPU cores (`make demo`).
_base_ = [
    '../_base_/models/cifar_resnet20.py',
    '../_base_/datasets/fashion_mnist_bs128.py',
    '../_base_/schedules/fashion_mnist_cpu.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(in_channels=1), head=dict(num_classes=10))
randomness = dict(seed=0)
