# Baseline: resnet20 on Fashion-MNIST, sized for 2 CPU cores (`make demo`): all 60,000 training
# images, 3 epochs. It trains through the accuracy protocol's fast CPU path
# (configs/_base_/protocols/fashion-mnist-5k.py): the random crop and flip done on the batch by
# the data preprocessor (the per-image pipeline's random numbers, so a seed gives the same
# inputs), the data loaded in the training process, the model channels-last.
_base_ = [
    '../_base_/models/cifar_resnet20.py',
    '../_base_/datasets/fashion_mnist_bs128.py',
    '../_base_/evaluators/accuracy.py',
    '../_base_/schedules/fashion_mnist_cpu.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(in_channels=1), head=dict(num_classes=10))
data_preprocessor = dict(
    type='BatchCropFlipDataPreprocessor',
    batch_transforms=[dict(type='RandomCrop', crop_size=28, padding=2),
                      dict(type='RandomFlip', prob=0.5, direction='horizontal')])
train_dataloader = dict(dataset=dict(pipeline=[dict(type='PackInputs')]), num_workers=0,
                        persistent_workers=False)
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
default_hooks = dict(channels_last=dict(type='ChannelsLastHook'))
randomness = dict(seed=0)
