# The teacher of the Fashion-MNIST distillation configs: resnet20 alone, trained into #
# work_dirs/teachers/ (`make teachers`), every checkpoint kept (ESKD (b) takes the one of the #
# first lr drop) on Fashion-MNIST under the fashion-mnist-1k protocol: the protocol plus the
# method (../baseline/_base_/resnet20_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-1k.py',
    '../baseline/_base_/resnet20_fashion-mnist.py',
]

work_dir = {{_base_.teacher_work_dir}}
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1, save_best=None))
