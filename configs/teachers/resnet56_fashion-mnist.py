# resnet56 teacher on Fashion-MNIST (a deeper, thinner teacher than resnet32x4; the TAKD chain's
# teacher -> assistant -> student uses resnet56 -> resnet32 -> resnet20... see configs/takd/).
_base_ = ['../baseline/resnet20_fashion-mnist.py']

model = dict(backbone=dict(arch='resnet56'))
work_dir = 'work_dirs/teachers/resnet56_fashion-mnist'
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1, save_best=None))
