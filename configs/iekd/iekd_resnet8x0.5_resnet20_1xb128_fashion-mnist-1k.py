# IE-KD stage 2 with a student larger than its teacher on Fashion-MNIST under the fashion-mnist-1k
# protocol: the protocol plus the method (_base_/iekd_resnet8x0.5_resnet20_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-1k.py',
    './_base_/iekd_resnet8x0.5_resnet20_fashion-mnist.py',
]

# the teacher (resnet8x0.5 alone) and its IE-KD stage-1 checkpoint this protocol trains
model = dict(teacher_ckpt={{_base_.small_teacher_ckpt}},
             teacher_config={{_base_.small_teacher_config}},
             distiller=dict(connectors=dict(teacher_factor=dict(
                 stage1_checkpoint={{_base_.iekd_stage1_small_teacher_ckpt}}))))
