# Factor transfer on Fashion-MNIST under the fashion-mnist-1k protocol: the protocol plus the method
# (_base_/ft_resnet20_resnet8x0.5_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-1k.py',
    './_base_/ft_resnet20_resnet8x0.5_fashion-mnist.py',
]

# the teacher and its paraphraser (the IE-KD stage-1 checkpoint) this protocol trains
model = dict(teacher_ckpt={{_base_.teacher_ckpt}},
             teacher_config={{_base_.teacher_config}},
             distiller=dict(connectors=dict(teacher_factor=dict(
                 stage1_checkpoint={{_base_.iekd_stage1_ckpt}}))))
