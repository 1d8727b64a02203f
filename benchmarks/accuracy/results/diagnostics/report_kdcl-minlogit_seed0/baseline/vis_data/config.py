auto_scale_lr = dict(base_batch_size=128)
custom_imports = dict(
    allow_failed_imports=False, imports=[
        'mmkd_plugins',
    ])
data_preprocessor = dict(
    batch_transforms=[
        dict(crop_size=28, padding=2, type='RandomCrop'),
        dict(direction='horizontal', prob=0.5, type='RandomFlip'),
    ],
    mean=[
        72.94,
    ],
    num_classes=10,
    std=[
        90.02,
    ],
    to_rgb=False,
    type='BatchCropFlipDataPreprocessor')
data_root = '/usr/share/datasets/fashion-mnist'
dataset_type = 'LocalFashionMNIST'
default_hooks = dict(
    channels_last=dict(type='ChannelsLastHook'),
    checkpoint=dict(
        _scope_='mmpretrain',
        interval=10,
        max_keep_ckpts=1,
        save_best=None,
        save_last=True,
        type='CheckpointHook'),
    diagnostics=dict(
        grad_interval=50, num_images=1000, type='DistillDiagnosticsHook'),
    logger=dict(_scope_='mmpretrain', interval=20, type='LoggerHook'),
    param_scheduler=dict(_scope_='mmpretrain', type='ParamSchedulerHook'),
    rng_state=dict(type='RNGStateHook'),
    sampler_seed=dict(_scope_='mmpretrain', type='DistSamplerSeedHook'),
    timer=dict(_scope_='mmpretrain', type='IterTimerHook'),
    visualization=dict(
        _scope_='mmpretrain', enable=False, type='VisualizationHook'))
default_scope = 'mmpretrain'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
launcher = 'none'
load_from = None
log_level = 'INFO'
max_epochs = 40
model = dict(
    backbone=dict(arch='resnet8', in_channels=1, type='CIFARResNet'),
    head=dict(
        in_channels=64,
        loss=dict(loss_weight=1.0, type='CrossEntropyLoss'),
        num_classes=10,
        type='LinearClsHead'),
    neck=dict(type='GlobalAveragePooling'),
    type='ImageClassifier')
model_wrapper_cfg = dict(
    broadcast_buffers=False,
    find_unused_parameters=False,
    type='MMKDDistributedDataParallel')
n_train = 5000
optim_wrapper = dict(
    optimizer=dict(
        lr=0.1, momentum=0.9, nesterov=True, type='SGD', weight_decay=0.0005))
param_scheduler = dict(
    by_epoch=True, gamma=0.1, milestones=[
        20,
        30,
    ], type='MultiStepLR')
randomness = dict(deterministic=False, seed=0)
resume = False
test_cfg = dict()
test_dataloader = dict(
    batch_size=500,
    dataset=dict(
        data_root='/usr/share/datasets/fashion-mnist',
        pipeline=[
            dict(type='PackInputs'),
        ],
        split='test',
        type='LocalFashionMNIST'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(topk=(1, ), type='Accuracy')
test_pipeline = [
    dict(type='PackInputs'),
]
train_cfg = dict(by_epoch=True, max_epochs=40, val_interval=1)
train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        data_root='/usr/share/datasets/fashion-mnist',
        indices=5000,
        pipeline=[
            dict(type='PackInputs'),
        ],
        split='train',
        type='LocalFashionMNIST'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(crop_size=28, padding=2, type='RandomCrop'),
    dict(direction='horizontal', prob=0.5, type='RandomFlip'),
    dict(type='PackInputs'),
]
val_cfg = dict()
val_dataloader = dict(
    batch_size=500,
    dataset=dict(
        data_root='/usr/share/datasets/fashion-mnist',
        pipeline=[
            dict(type='PackInputs'),
        ],
        split='test',
        type='LocalFashionMNIST'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(topk=(1, ), type='Accuracy')
vis_backends = [
    dict(_scope_='mmpretrain', type='LocalVisBackend'),
]
visualizer = dict(
    _scope_='mmpretrain',
    type='UniversalVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
    ])
work_dir = 'work_dirs/diag_demo/resnet8_1xb128_fashion-mnist-5k'
