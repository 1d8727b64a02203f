# Early-stopped KD (a) (Cho & Hariharan, ICCV 2019): Hinton KD for the first `stop_epoch` epochs,
# then CE only. Here KD for the first 20 of the protocol's 40 epochs (up to the first lr drop;
# the paper stops ImageNet KD at a similar share of training), CE alone after.
_base_ = ['../kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py']

stop_epoch = 20
custom_hooks = [dict(type='EarlyStopKDHook', stop_epoch=stop_epoch)]
