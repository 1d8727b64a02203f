# WRN-16-2 (0.7M params); set depth/widen_factor for other WRN-d-w (wrn-40-2: 40, 2).
model = dict(
    type='ImageClassifier',
    backbone=dict(type='WideResNet', depth=16, widen_factor=2, in_channels=3),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=100,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
