# resnet32x4 on CIFAR-100 with RepDistiller's recipe (1 GPU, batch 64, 240 epochs); the usual
# teacher of the CIFAR-100 KD benchmark (RepDistiller reports 79.42 top-1).
_base_ = [
    '../_base_/models/cifar_resnet32x4.py',
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar_sgd_240e.py',
    '../_base_/default_runtime.py',
]
