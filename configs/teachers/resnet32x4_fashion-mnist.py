# Teacher for every Fashion-MNIST distillation config (KD, FitNets, AT, TAKD, ESKD, IE-KD):
# resnet32x4 on the baseline recipe. Its checkpoints land in work_dirs/teachers/... where the
# distillation configs look for them (`make teachers` trains it when missing). Every epoch is
# kept: early-stopped-teacher KD (ESKD-b) distils from an early one.
_base_ = ['../baseline/resnet20_fashion-mnist.py']

model = dict(backbone=dict(arch='resnet32x4'), head=dict(in_channels=256))
work_dir = 'work_dirs/teachers/resnet32x4_fashion-mnist'
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1, save_best=None))
