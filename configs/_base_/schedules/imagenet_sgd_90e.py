# The standard ImageNet recipe: SGD momentum 0.9, lr 0.1 for batch 256, wd 1e-4, 90 epochs,
# lr x0.1 at 30 and 60 (PS-KD's ImageNet schedule; RepDistiller's ImageNet KD too).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)
