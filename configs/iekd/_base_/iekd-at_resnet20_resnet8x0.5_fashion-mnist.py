# IE + attention transfer (IE-AT): the IE losses plus mmrazor's ATLoss between the spatial
# attention maps of every stage (layer1..3), beta = 1000 per map pair as the AT code, RepDistiller
# and mdistiller (configs/at/).
_base_ = ['./iekd_resnet20_resnet8x0.5_fashion-mnist.py']

at_weight = 1000.0
model = dict(
    distiller=dict(
        student_recorders=dict(
            s1=dict(type='ModuleOutputs', source='backbone.layer1'),
            s2=dict(type='ModuleOutputs', source='backbone.layer2')),
        teacher_recorders=dict(
            s1=dict(type='ModuleOutputs', source='backbone.layer1'),
            s2=dict(type='ModuleOutputs', source='backbone.layer2')),
        distill_losses=dict(
            loss_at1=dict(type='ATLoss', loss_weight=at_weight),
            loss_at2=dict(type='ATLoss', loss_weight=at_weight),
            loss_at3=dict(type='ATLoss', loss_weight=at_weight)),
        loss_forward_mappings=dict(
            loss_at1=dict(s_feature=dict(from_student=True, recorder='s1'),
                          t_feature=dict(from_student=False, recorder='s1')),
            loss_at2=dict(s_feature=dict(from_student=True, recorder='s2'),
                          t_feature=dict(from_student=False, recorder='s2')),
            loss_at3=dict(s_feature=dict(from_student=True, recorder='feat'),
                          t_feature=dict(from_student=False, recorder='feat')))))
