# resnet20 (3-stage CIFAR ResNet, 0.27M params) classifier; `arch` picks any of CIFARResNet.arch_zoo.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet20', in_channels=3),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
