# IE-KD on a detector, stage 2: RetinaNet R-18 (student, mmdet's 1x COCO recipe) distils its
# backbone layer3 (256 ch) from the RetinaNet R-50 teacher's layer3 factor of stage 1
# (iekd-stage1_retinanet_r50_coco.py): half of the student's channels inherit the factor (L1 of
# L2-normalised factors), half explore away from it (negated L1), beside the detection losses.
_base_ = 'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py'

custom_imports = dict(imports=['mmkd_plugins'], allow_failed_imports=False)
teacher_ckpt = ('https://download.openmmlab.com/mmdetection/v2.0/retinanet/'
                'retinanet_r50_fpn_1x_coco/retinanet_r50_fpn_1x_coco_20200130-c2398f9e.pth')
stage1_checkpoint = 'work_dirs/iekd-stage1_retinanet_r50_coco/epoch_2.pth'
feature = 'backbone.layer3'
student_channels = 256
teacher_channels = 1024
factor_channels = 256
model = dict(
    _delete_=True,
    type='mmrazor.TeacherDistill',
    architecture={{_base_.model}},
    teacher=dict(cfg_path='mmdet::retinanet/retinanet_r50_fpn_1x_coco.py', pretrained=False),
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        connectors=dict(
            inheritance=dict(type='IEPartEncoder', part='inheritance',
                             in_channels=student_channels, factor_channels=factor_channels),
            exploration=dict(type='IEPartEncoder', part='exploration',
                             in_channels=student_channels, factor_channels=factor_channels),
            teacher_factor=dict(type='IETeacherFactor', in_channels=teacher_channels,
                                factor_channels=factor_channels,
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
find_unused_parameters = True
