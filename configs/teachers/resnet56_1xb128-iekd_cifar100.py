# resnet56 teacher on CIFAR-100 with the IE-KD official recipe (config/ind/cifar100/resnet56.yaml
# of the official code: SGD Nesterov momentum 0.9, lr 0.1, wd 5e-4, batch 128, 160 epochs, lr x0.1
# at 80 and 120), the teacher of the IE-KD CIFAR-100 configs. The RepDistiller-recipe teacher
# (240 epochs, batch 64) is configs/teachers/resnet56_1xb64_cifar100.py.
_base_ = [
    '../_base_/models/cifar_resnet20.py',
    '../_base_/datasets/cifar100_bs128.py',
    '../_base_/schedules/cifar_sgd_160e_iekd.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(arch='resnet56'))
work_dir = 'work_dirs/teachers/resnet56_1xb128-iekd_cifar100'
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1, save_best=None))
