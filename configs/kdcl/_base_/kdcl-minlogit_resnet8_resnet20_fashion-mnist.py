# KDCL-MinLogit with two different students on Fashion-MNIST (the protocol): resnet8 and resnet20.
_base_ = ['./kdcl-minlogit_2xresnet8_fashion-mnist.py']

model = dict(students=[
    dict(type='ImageClassifier',
         backbone=dict(type='CIFARResNet', arch='resnet8', in_channels=1),
         neck=dict(type='GlobalAveragePooling'),
         head=dict(type='LinearClsHead', num_classes=10, in_channels=64)),
    dict(type='ImageClassifier',
         backbone=dict(type='CIFARResNet', arch='resnet20', in_channels=1),
         neck=dict(type='GlobalAveragePooling'),
         head=dict(type='LinearClsHead', num_classes=10, in_channels=64)),
])
