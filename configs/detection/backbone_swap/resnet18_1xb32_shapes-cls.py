# Pre-training for `make demo-detection`: a classifier whose backbone is the detector's ResNet-18
# (3 channels, mmpretrain's ResNet: the same parameter names as mmdet's), trained on the
# classification view of the drawn shapes (tools/misc/make_shapes_coco.py --cls-root
# data/shapes_cls: one shape per 64 x 64 image, labelled square / disc / triangle). The
# normalisation is the detector's (mmdet's ImageNet mean/std, BGR -> RGB).
_base_ = ['../../_base_/default_runtime.py']

data_root = 'data/shapes_cls'
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1, )))
data_preprocessor = dict(num_classes=3, mean=[123.675, 116.28, 103.53],
                         std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=32, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=100, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CustomDataset', data_root=data_root, data_prefix='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

max_epochs = 4
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4))
param_scheduler = dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
                       convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=max_epochs, save_best=None),
    channels_last=dict(type='ChannelsLastHook'))
randomness = dict(seed=0)
