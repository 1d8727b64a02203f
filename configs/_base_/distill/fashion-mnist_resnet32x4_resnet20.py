# Shared base of every teacher-student config on Fashion-MNIST: student resnet20 (the baseline
# config: data, schedule, runtime), frozen teacher resnet32x4 from configs/teachers/. A method
# config inherits this and fills `model.distiller` (recorders, connectors, losses, mappings).
_base_ = ['../../baseline/resnet20_fashion-mnist.py']

teacher_config = 'configs/teachers/resnet32x4_fashion-mnist.py'
teacher_ckpt = 'work_dirs/teachers/resnet32x4_fashion-mnist/epoch_3.pth'
student_model = {{_base_.model}}
teacher_model = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet32x4', in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=256,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))

model = dict(
    _delete_=True,
    type='mmrazor.TeacherDistill',
    architecture=student_model,
    teacher=teacher_model,
    teacher_ckpt=teacher_ckpt,
    teacher_config=teacher_config,
    distiller=dict(type='ConfigurableDistiller'))
# the student alone is validated (mmrazor's loop would add the teacher's accuracy as well)
find_unused_parameters = True
