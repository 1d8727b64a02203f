# The accuracy protocol on Fashion-MNIST (README "Accuracy table"): a fixed low-data subset (the
# first 5,000 training images), the full 10,000-image test set, the 40-epoch step schedule, and
# the fast CPU path (channels-last model and inputs; data loaded in the training process: on 2
# cores a worker process competes with the two compute threads and halves the throughput; the
# random crop and flip done on the whole batch by the data preprocessor, which draws the random
# numbers the per-image pipeline would, so a seed gives the same inputs -- tests/test_fast_path.py,
# benchmarks/speed/bench_speed.py). Every
# Fashion-MNIST config of a method family inherits it, so a user who runs one gets its row.
_base_ = [
    '../models/cifar_resnet20.py',
    '../datasets/fashion_mnist_bs128.py',
    '../schedules/fashion_mnist_40e_step.py',
    '../default_runtime.py',
]
n_train = 5000
model = dict(backbone=dict(in_channels=1), head=dict(num_classes=10))
# the base's RandomCrop(padding=2) -> RandomFlip, moved from the per-image pipeline to the batch
data_preprocessor = dict(
    type='BatchCropFlipDataPreprocessor',
    batch_transforms=[dict(type='RandomCrop', crop_size=28, padding=2),
                      dict(type='RandomFlip', prob=0.5, direction='horizontal')])
train_dataloader = dict(dataset=dict(indices=n_train, pipeline=[dict(type='PackInputs')]),
                        num_workers=0, persistent_workers=False)
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_last=True, save_best=None),
    channels_last=dict(type='ChannelsLastHook'),
    # fit, target and loss balance at every validation (tools/analysis/distill_report.py)
    diagnostics=dict(type='DistillDiagnosticsHook', num_images=1000, grad_interval=50))
randomness = dict(seed=0)
