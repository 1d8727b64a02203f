# Early-stopped KD (a): Hinton KD up to the first lr drop, CE alone after on Fashion-MNIST under
# the fashion-mnist-5k protocol: the protocol plus the method
# (../kd/_base_/kd_resnet20_resnet8x0.5_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-5k.py',
    '../kd/_base_/kd_resnet20_resnet8x0.5_fashion-mnist.py',
]

# the teacher this protocol trains (configs/teachers/)
model = dict(teacher_ckpt={{_base_.teacher_ckpt}},
             teacher_config={{_base_.teacher_config}})
# KD stops at this protocol's first lr drop
custom_hooks = [dict(type='EarlyStopKDHook', stop_epoch={{_base_.first_lr_drop}})]
