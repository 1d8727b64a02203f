# PreAct ResNet-18 for 32x32 inputs (PS-KD's CIFAR-100 model, 11.2M params).
model = dict(
    type='ImageClassifier',
    backbone=dict(type='PreActResNet', depth=18, in_channels=3),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
