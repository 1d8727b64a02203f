# KDCL-MinLogit with two resnet8 students on Fashion-MNIST (the protocol): each student sees its
# own random crop/flip of every image (MultiView), both learn from the MinLogit ensemble.
_base_ = [
    '../../baseline/_base_/resnet8_fashion-mnist.py',
    '../../_base_/evaluators/online.py',
]

num_students = 2
student = {{_base_.model}}
model = dict(
    _delete_=True,
    type='mmrazor.KDCL',
    students=[student] * num_students,
    ensemble=dict(type='MinLogit'),
    temperature=2.0,
    kd_weight=1.0,
    # one normalisation for every view (mmpretrain's SelfSupDataPreprocessor; the data samples
    # stay on the host)
    data_preprocessor=dict(type='mmpretrain.MultiViewDataPreprocessor', mean=[72.94],
                           std=[90.02], to_rgb=False))

# each student's own view: the config of a protocol puts these over the protocol's loaders
# (`train_dataloader = {{_base_.multi_view_train_dataloader}}`; a base may not set the
# protocol's own keys)
multi_view_train_dataloader = dict(
    collate_fn=dict(type='default_collate'),
    dataset=dict(pipeline=[
        dict(type='MultiView', num_views=num_students, transforms=[[
            dict(type='RandomCrop', crop_size=28, padding=2),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        ]]),
        dict(type='PackInputs'),
    ]))
multi_view_val_dataloader = dict(collate_fn=dict(type='default_collate'))
val_evaluator = {{_base_.online_metrics}}
test_evaluator = val_evaluator
