# Hinton KD on Fashion-MNIST under the fashion-mnist-1k protocol: the protocol plus the method
# (_base_/kd_resnet20_resnet8x0.5_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-1k.py',
    './_base_/kd_resnet20_resnet8x0.5_fashion-mnist.py',
]

# the teacher this protocol trains (configs/teachers/)
model = dict(teacher_ckpt={{_base_.teacher_ckpt}},
             teacher_config={{_base_.teacher_config}})
