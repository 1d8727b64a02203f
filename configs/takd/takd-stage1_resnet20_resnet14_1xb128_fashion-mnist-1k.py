# TAKD stage 1 (teacher resnet20 -> assistant resnet14)
# under the fitting-regime protocol: the 5k config with the protocol's keys.
_base_ = ['./takd-stage1_resnet20_resnet14_1xb128_fashion-mnist-5k.py']

# the fitting-regime protocol (configs/_base_/protocols/fashion-mnist-1k.py; a test checks
# these keys against it)
train_dataloader = dict(dataset=dict(indices=1000))
train_cfg = dict(max_epochs=300, val_interval=15)
param_scheduler = dict(milestones=[150, 225])
default_hooks = dict(checkpoint=dict(interval=75))
teacher_ckpt = 'work_dirs/teachers/resnet20_1xb128_fashion-mnist-1k/epoch_300.pth'
teacher_config = 'configs/teachers/resnet20_1xb128_fashion-mnist-1k.py'
model = dict(teacher_ckpt=teacher_ckpt, teacher_config=teacher_config)
