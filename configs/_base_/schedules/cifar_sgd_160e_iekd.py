# IE-KD's official stage-2 CIFAR recipe: SGD Nesterov momentum 0.9, lr 0.1, wd 5e-4, batch 128,
# 160 epochs, lr x0.1 at 80 and 120.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[80, 120], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=160, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
