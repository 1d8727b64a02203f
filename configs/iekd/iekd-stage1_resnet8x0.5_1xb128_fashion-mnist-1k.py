# IE-KD stage 1 for a student larger than its teacher on Fashion-MNIST under the fashion-mnist-1k
# protocol: the protocol plus the method (_base_/iekd-stage1_resnet8x0.5_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-1k.py',
    './_base_/iekd-stage1_resnet8x0.5_fashion-mnist.py',
]

# the teacher this protocol trains: resnet8x0.5 alone (configs/baseline/)
model = dict(teacher_ckpt={{_base_.small_teacher_ckpt}},
             teacher_config={{_base_.small_teacher_config}})
param_scheduler = []
