# IE-KD stage 2 on CIFAR-100, official recipe (160 epochs, lr 0.1 x0.1 at 80/120, Nesterov, wd
# 5e-4, batch 128, lambda = 1): resnet20's layer3 (64 ch) split in halves, inheritance pulled to
# and exploration pushed from the resnet56 factor of stage 1 (iekd-stage1_resnet56_1xb128_cifar100.py).
_base_ = ['../_base_/distill/cifar100_resnet56_resnet20.py']

stage1_checkpoint = 'work_dirs/iekd-stage1_resnet56_1xb128_cifar100/epoch_30.pth'
feature = 'backbone.layer3'
model = dict(
    distiller=dict(
        student_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        connectors=dict(
            inheritance=dict(type='IEPartEncoder', part='inheritance', in_channels=64,
                             factor_channels=32, split='natural', ratio=0.5),
            exploration=dict(type='IEPartEncoder', part='exploration', in_channels=64,
                             factor_channels=32, split='natural', ratio=0.5),
            teacher_factor=dict(type='IETeacherFactor', in_channels=64, factor_channels=32,
                                stage1_checkpoint=stage1_checkpoint)),
        distill_losses=dict(
            loss_inheritance=dict(type='InheritanceLoss', loss_weight=1.0),
            loss_exploration=dict(type='ExplorationLoss', mode='l1', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_inheritance=dict(
                s_feature=dict(from_student=True, recorder='feat', connector='inheritance'),
                t_feature=dict(from_student=False, recorder='feat', connector='teacher_factor')),
            loss_exploration=dict(
                s_feature=dict(from_student=True, recorder='feat', connector='exploration'),
                t_feature=dict(from_student=False, recorder='feat',
                               connector='teacher_factor')))))
