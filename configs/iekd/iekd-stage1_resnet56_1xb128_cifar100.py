# IE-KD stage 1 on CIFAR-100 with the official settings: auto-encoder on the frozen resnet56's
# layer3 map (64 x 8 x 8) through a 32-channel factor, L1 reconstruction, 30 epochs.
_base_ = ['../_base_/distill/cifar100_resnet56_resnet20.py']

model = dict(
    _delete_=True,
    type='mmrazor.IEFactorExtraction',
    teacher={{_base_.teacher_model}},
    teacher_ckpt={{_base_.teacher_ckpt}},
    teacher_config={{_base_.teacher_config}},
    feature='backbone.layer3',
    auto_encoder=dict(type='IEAutoEncoder', in_channels=64, factor_channels=32),
    reconstruction='l1')
# the official stage-1 optimiser (processors/FT.py + base.py of the official code): SGD lr 0.1,
# constant, momentum 0.9, Nesterov, wd 5e-4; only the auto-encoder is trained
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = []
train_cfg = dict(max_epochs=30)
work_dir = 'work_dirs/iekd-stage1_resnet56_1xb128_cifar100'
default_hooks = dict(checkpoint=dict(save_best=None))
