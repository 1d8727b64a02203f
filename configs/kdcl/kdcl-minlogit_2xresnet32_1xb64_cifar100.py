# KDCL-MinLogit on CIFAR-100 with two resnet32 students (1 GPU, batch 64, RepDistiller's
# 240-epoch recipe); each student gets its own RandomCrop(32, pad 4) + flip view.
_base_ = [
    '../_base_/datasets/cifar100_bs64.py',
    '../_base_/schedules/cifar_sgd_240e.py',
    '../_base_/default_runtime.py',
]

num_students = 2
student = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet32'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=64))
model = dict(
    type='mmrazor.KDCL',
    students=[student] * num_students,
    ensemble=dict(type='MinLogit'),
    temperature=2.0,
    kd_weight=1.0,
    data_preprocessor=dict(type='mmpretrain.MultiViewDataPreprocessor',
                           mean=[129.304, 124.070, 112.434], std=[68.170, 65.392, 70.418],
                           to_rgb=False))
train_dataloader = dict(
    collate_fn=dict(type='default_collate'),
    dataset=dict(pipeline=[
        dict(type='MultiView', num_views=num_students, transforms=[[
            dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        ]]),
        dict(type='PackInputs'),
    ]))
val_dataloader = dict(collate_fn=dict(type='default_collate'))
test_dataloader = val_dataloader
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='ECE', n_bins=10), dict(type='NLL'),
                 dict(type='KDCLAccuracy')]
test_evaluator = val_evaluator
