# Early-stopped teacher (b): Hinton KD from the teacher of the first lr drop on Fashion-MNIST
# under the fashion-mnist-1k protocol: the protocol plus the method
# (../kd/_base_/kd_resnet20_resnet8x0.5_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-1k.py',
    '../kd/_base_/kd_resnet20_resnet8x0.5_fashion-mnist.py',
]

# the teacher's checkpoint at this protocol's first lr drop (configs/teachers/ keeps them all)
model = dict(teacher_ckpt={{_base_.teacher_early_ckpt}},
             teacher_config={{_base_.teacher_config}})
