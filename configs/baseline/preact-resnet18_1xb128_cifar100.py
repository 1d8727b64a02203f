# PreAct ResNet-18 on CIFAR-100 with PS-KD's official recipe (1 GPU, batch 128, 300 epochs,
# Nesterov SGD lr 0.1, wd 5e-4, lr x0.1 at 150/225): the paper's baseline row.
_base_ = [
    '../_base_/models/preact_resnet18_cifar.py',
    '../_base_/datasets/cifar100_bs128.py',
    '../_base_/schedules/cifar_sgd_300e.py',
    '../_base_/default_runtime.py',
]
