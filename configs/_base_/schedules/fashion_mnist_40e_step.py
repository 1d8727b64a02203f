# The accuracy protocol's schedule (README "Accuracy table"): SGD Nesterov momentum 0.9, lr 0.1,
# wd 5e-4, batch 128, 40 epochs, lr x0.1 at 20 and 30 -- the step recipe of the papers (PS-KD
# 150/225 of 300, IE-KD 80/120 of 160) at the length that trains resnet8/resnet20 to their plateau
# on 5,000 images (40 iterations an epoch, 1,600 in all); validation every epoch for the curves.
max_epochs = 40
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[20, 30], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
