# "Cutout + PS-KD": Cutout (one 16x16 hole, as DeVries & Taylor on CIFAR) in the train pipeline.
_base_ = ['./pskd_preact-resnet18_1xb128_cifar100.py']

train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Cutout', shape=16, pad_val=0, prob=1.0),
    dict(type='PackInputs'),
]))
