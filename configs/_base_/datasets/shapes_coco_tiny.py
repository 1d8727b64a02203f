# Data, schedule and evaluation of the tiny CPU detection configs (prefixed `shapes_`: a config
# inheriting this beside a detector config assigns them, since bases may not share keys): the drawn-shapes COCO-format set
# (python tools/misc/make_shapes_coco.py data/shapes_coco), 128 x 128 images, batch 2, 2 epochs,
# mmdet's CocoDataset (as ShapesCocoDataset, whose missing-data error names the command above;
# the configs using this base import it: mmkd_plugins.datasets.shapes_coco_dataset) and
# CocoMetric (pycocotools).
shapes_data_root = 'data/shapes_coco/'
shapes_metainfo = dict(classes=('square', 'disc', 'triangle'))
shapes_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
shapes_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
shapes_train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(type='ShapesCocoDataset', data_root=shapes_data_root, metainfo=shapes_metainfo,
                 ann_file='annotations/train.json', data_prefix=dict(img='train/'),
                 filter_cfg=dict(filter_empty_gt=True, min_size=4),
                 pipeline=shapes_train_pipeline))
shapes_val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ShapesCocoDataset', data_root=shapes_data_root, metainfo=shapes_metainfo,
                 ann_file='annotations/val.json', data_prefix=dict(img='val/'),
                 test_mode=True, pipeline=shapes_test_pipeline))
shapes_test_dataloader = shapes_val_dataloader
shapes_val_evaluator = dict(type='CocoMetric',
                            ann_file=shapes_data_root + 'annotations/val.json',
                     metric='bbox', format_only=False)
shapes_test_evaluator = shapes_val_evaluator
shapes_max_epochs = 2
shapes_train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=shapes_max_epochs,
                        val_interval=shapes_max_epochs)
shapes_param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20)]
shapes_optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
                     clip_grad=dict(max_norm=10, norm_type=2))
shapes_default_hooks = dict(logger=dict(interval=5))
