# Early-stopped KD (a) (Cho & Hariharan, ICCV 2019): Hinton KD for the first `stop_epoch` epochs,
# then CE only. On the 3-epoch CPU schedule: KD in epoch 1 and 2, CE alone in epoch 3.
_base_ = ['../kd/kd_resnet32x4_resnet20_fashion-mnist.py']

stop_epoch = 2
custom_hooks = [dict(type='mmrazor.EarlyStopKDHook', stop_epoch=stop_epoch)]
