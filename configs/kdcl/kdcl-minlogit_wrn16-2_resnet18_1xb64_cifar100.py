# KDCL-MinLogit on CIFAR-100 with different architectures: WRN-16-2 and ResNet-18 (CIFAR stem).
_base_ = ['./kdcl-minlogit_2xresnet32_1xb64_cifar100.py']

model = dict(students=[
    dict(type='ImageClassifier',
         backbone=dict(type='WideResNet', depth=16, widen_factor=2),
         neck=dict(type='GlobalAveragePooling'),
         head=dict(type='LinearClsHead', num_classes=100, in_channels=128)),
    dict(type='ImageClassifier',
         backbone=dict(type='ResNet_CIFAR', depth=18),
         neck=dict(type='GlobalAveragePooling'),
         head=dict(type='LinearClsHead', num_classes=100, in_channels=512)),
])
