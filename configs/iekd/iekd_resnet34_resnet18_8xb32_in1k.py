# IE-KD stage 2 on ImageNet, ResNet-34 -> ResNet-18 (the paper's ImageNet pair), standard 90-epoch
# recipe: ResNet-18's layer4 (512 ch) split in halves against the stage-1 ResNet-34 factor.
_base_ = ['../_base_/distill/imagenet_resnet34_resnet18.py']

stage1_checkpoint = 'work_dirs/iekd-stage1_resnet34_8xb32_in1k/epoch_10.pth'
feature = 'backbone.layer4'
model = dict(
    distiller=dict(
        student_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        connectors=dict(
            inheritance=dict(type='IEPartEncoder', part='inheritance', in_channels=512,
                             factor_channels=256),
            exploration=dict(type='IEPartEncoder', part='exploration', in_channels=512,
                             factor_channels=256),
            teacher_factor=dict(type='IETeacherFactor', in_channels=512, factor_channels=256,
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
