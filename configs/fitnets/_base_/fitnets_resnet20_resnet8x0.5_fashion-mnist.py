# FitNets (Romero et al., ICLR 2015) on Fashion-MNIST (resnet20 -> resnet8x0.5): the student's
# middle stage (layer2, 16 ch) is regressed through a conv-BN connector onto the teacher's layer2
# (32 ch) with a mean squared error (mmrazor's ConvModuleConnector + L2Loss), trained jointly with
# CE as in RepDistiller (hint weight 100) rather than the paper's separate hint stage.
_base_ = ['../../_base_/distill/resnet20_resnet8x0.5_fashion-mnist.py']

hint_weight = 100.0
model = dict(
    distiller=dict(
        student_recorders=dict(hint=dict(type='ModuleOutputs', source='backbone.layer2')),
        teacher_recorders=dict(hint=dict(type='ModuleOutputs', source='backbone.layer2')),
        connectors=dict(regressor=dict(type='ConvModuleConnector', in_channel=16,
                                       out_channel=32, kernel_size=1,
                                       norm_cfg=dict(type='BN'))),
        distill_losses=dict(loss_hint=dict(type='L2Loss', normalize=False, div_element=True,
                                           loss_weight=hint_weight)),
        loss_forward_mappings=dict(
            loss_hint=dict(s_feature=dict(from_student=True, recorder='hint',
                                          connector='regressor'),
                           t_feature=dict(from_student=False, recorder='hint')))))
