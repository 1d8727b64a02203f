# TAKD stage 1 (teacher -> assistant; run the chain with tools/takd_chain.py) on Fashion-MNIST
# under the fashion-mnist-1k protocol: the protocol plus the method
# (_base_/takd-stage1_resnet20_resnet14_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-1k.py',
    './_base_/takd-stage1_resnet20_resnet14_fashion-mnist.py',
]

# the teacher this protocol trains (configs/teachers/)
model = dict(teacher_ckpt={{_base_.teacher_ckpt}},
             teacher_config={{_base_.teacher_config}})
