# PS-KD's official CIFAR-100 recipe: SGD Nesterov momentum 0.9, lr 0.1, wd 5e-4, batch 128,
# 300 epochs, lr x0.1 at 150 and 225.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[150, 225], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
