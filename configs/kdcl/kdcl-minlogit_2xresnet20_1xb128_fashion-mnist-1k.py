# KDCL-MinLogit with two resnet20 under the fitting-regime protocol: the 5k config with the
# protocol's keys (compared with resnet20 alone, the teacher row).
_base_ = ['./kdcl-minlogit_2xresnet20_1xb128_fashion-mnist-5k.py']

# the fitting-regime protocol (configs/_base_/protocols/fashion-mnist-1k.py; a test checks
# these keys against it)
train_dataloader = dict(dataset=dict(indices=1000))
train_cfg = dict(max_epochs=300, val_interval=15)
param_scheduler = dict(milestones=[150, 225])
default_hooks = dict(checkpoint=dict(interval=75))
