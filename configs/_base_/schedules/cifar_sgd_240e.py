# RepDistiller's CIFAR-100 recipe (teachers, students and KD): SGD momentum 0.9, lr 0.05,
# wd 5e-4, batch 64, 240 epochs, lr x0.1 at 150, 180 and 210.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[150, 180, 210], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=240, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
