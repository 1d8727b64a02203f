# resnet20 on CIFAR-100 with RepDistiller's recipe (1 GPU, batch 64, 240 epochs).
_base_ = [
    '../_base_/models/cifar_resnet20.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar_sgd_240e.py',
    '../_base_/default_runtime.py',
]
