# KDCL-MinLogit with two different students on Fashion-MNIST: resnet20 and resnet32x4.
_base_ = ['./kdcl_2xresnet20_fashion-mnist_minlogit.py']

model = dict(students=[
    dict(type='ImageClassifier',
         backbone=dict(type='CIFARResNet', arch='resnet20', in_channels=1),
         neck=dict(type='GlobalAveragePooling'),
         head=dict(type='LinearClsHead', num_classes=10, in_channels=64)),
    dict(type='ImageClassifier',
         backbone=dict(type='CIFARResNet', arch='resnet32x4', in_channels=1),
         neck=dict(type='GlobalAveragePooling'),
         head=dict(type='LinearClsHead', num_classes=10, in_channels=256)),
])
