# TAKD stage 2 (assistant -> student) on Fashion-MNIST under the fashion-mnist-5k protocol: the
# protocol plus the method (_base_/takd-stage2_resnet14_resnet8x0.5_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-5k.py',
    './_base_/takd-stage2_resnet14_resnet8x0.5_fashion-mnist.py',
]

# the assistant this protocol's chain exports from stage 1
model = dict(teacher_ckpt={{_base_.takd_assistant_ckpt}},
             teacher_config={{_base_.takd_assistant_how}})
