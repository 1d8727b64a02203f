# Fashion-MNIST (60k train / 10k test, 28x28 grey, 10 classes) from the Debian package
# `dataset-fashion-mnist`; LocalFashionMNIST unpacks its .gz files once into ~/.cache/mmkd-plugins.
dataset_type = 'LocalFashionMNIST'
data_root = '/usr/share/datasets/fashion-mnist'

data_preprocessor = dict(
    num_classes=10,
    # mean/std of the training images (0.2860, 0.3530) x 255
    mean=[72.94],
    std=[90.02],
    to_rgb=False)

# PackInputs puts the dataset index `sample_idx` into every data sample's metainfo (PS-KD's
# prediction memory is keyed by it).
train_pipeline = [
    dict(type='RandomCrop', crop_size=28, padding=2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=128,
    num_workers=1,
    dataset=dict(
        type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=500,
    num_workers=1,
    dataset=dict(
        type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
