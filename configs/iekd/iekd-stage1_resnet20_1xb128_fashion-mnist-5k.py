# IE-KD stage 1 (the teacher factor's auto-encoder; constant lr, as the official stage 1) on
# Fashion-MNIST under the fashion-mnist-5k protocol: the protocol plus the method
# (_base_/iekd-stage1_resnet20_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-5k.py',
    './_base_/iekd-stage1_resnet20_fashion-mnist.py',
]

# the teacher this protocol trains (configs/teachers/)
model = dict(teacher_ckpt={{_base_.teacher_ckpt}},
             teacher_config={{_base_.teacher_config}})
param_scheduler = []
