# resnet56 teacher on CIFAR-100 (RepDistiller recipe), for the IE-KD CIFAR-100 configs.
_base_ = ['../baseline/resnet20_1xb64_cifar100.py']

model = dict(backbone=dict(arch='resnet56'))
work_dir = 'work_dirs/teachers/resnet56_1xb64_cifar100'
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1, save_best=None))
