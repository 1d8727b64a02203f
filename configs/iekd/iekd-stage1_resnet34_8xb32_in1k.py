# IE-KD stage 1 on ImageNet: auto-encoder on the frozen ResNet-34's last stage (512 x 7 x 7)
# through a 256-channel factor (half, as the CIFAR setting), L1 reconstruction. 10 epochs is our
# choice (the official 30 are for CIFAR).
_base_ = ['../_base_/distill/imagenet_resnet34_resnet18.py']

model = dict(
    _delete_=True,
    type='mmrazor.IEFactorExtraction',
    teacher={{_base_.teacher_model}},
    teacher_ckpt={{_base_.teacher_ckpt}},
    feature='backbone.layer4',
    auto_encoder=dict(type='IEAutoEncoder', in_channels=512, factor_channels=256),
    reconstruction='l1')
# the official (CIFAR) stage-1 optimiser (processors/FT.py + base.py of the official code): SGD lr 0.1,
# constant, momentum 0.9, Nesterov, wd 5e-4; only the auto-encoder is trained
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = []
train_cfg = dict(max_epochs=10)
work_dir = 'work_dirs/iekd-stage1_resnet34_8xb32_in1k'
default_hooks = dict(checkpoint=dict(save_best=None))
