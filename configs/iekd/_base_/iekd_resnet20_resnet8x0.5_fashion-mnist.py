# IE-KD stage 2 on Fashion-MNIST (the protocol): student resnet8x0.5, frozen teacher resnet20. The
# student's layer3 map (32 ch) is split into an inheritance half, encoded and pulled to the
# teacher factor (L1 of L2-normalised factors), and an exploration half, pushed away (negated L1);
# L = CE + lambda_inh L_inh + lambda_exp L_exp (Huang et al., CVPR 2021, Eq. 5). Run stage 1
# (iekd-stage1_resnet20_1xb128_<protocol>.py) first; its last checkpoint is read here.
_base_ = ['../../_base_/distill/resnet20_resnet8x0.5_fashion-mnist.py']

feature = 'backbone.layer3'  # matched stage of student and teacher (7 x 7 on Fashion-MNIST)
student_channels = 32
teacher_channels = 64
factor_channels = 16  # half the student's width (official convention); must equal stage 1's
split = 'natural'     # 'natural' (channel halves) or 'random' (fixed permutation)
ratio = 0.5           # inheritance share of the student's channels
lambda_inh = 1.0
lambda_exp = 1.0
exploration_mode = 'l1'  # 'l1' (Eq. 4) or 'cos' (|cos|, the official CosLoss variant)

model = dict(
    distiller=dict(
        student_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        connectors=dict(
            inheritance=dict(type='IEPartEncoder', part='inheritance', in_channels=student_channels,
                             factor_channels=factor_channels, split=split, ratio=ratio),
            exploration=dict(type='IEPartEncoder', part='exploration', in_channels=student_channels,
                             factor_channels=factor_channels, split=split, ratio=ratio),
            teacher_factor=dict(type='IETeacherFactor', in_channels=teacher_channels,
                                factor_channels=factor_channels)),
        distill_losses=dict(
            loss_inheritance=dict(type='InheritanceLoss', loss_weight=lambda_inh),
            loss_exploration=dict(type='ExplorationLoss', mode=exploration_mode,
                                  loss_weight=lambda_exp)),
        loss_forward_mappings=dict(
            loss_inheritance=dict(
                s_feature=dict(from_student=True, recorder='feat', connector='inheritance'),
                t_feature=dict(from_student=False, recorder='feat', connector='teacher_factor')),
            loss_exploration=dict(
                s_feature=dict(from_student=True, recorder='feat', connector='exploration'),
                t_feature=dict(from_student=False, recorder='feat', connector='teacher_factor')))))
