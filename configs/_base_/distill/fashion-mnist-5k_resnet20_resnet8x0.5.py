# Shared base of every teacher-student config on Fashion-MNIST (the protocol): student resnet8x0.5
# (configs/baseline/resnet8x0.5_1xb128_fashion-mnist-5k.py: data, schedule, runtime; resnet8 at
# half width, because resnet20 is not 1.5 pt above resnet8 on these 5,000 images), frozen teacher
# resnet20 from configs/teachers/. A method config inherits this and fills `model.distiller`
# (recorders, connectors, losses, mappings).
_base_ = ['../../baseline/resnet8x0.5_1xb128_fashion-mnist-5k.py']

teacher_config = 'configs/teachers/resnet20_1xb128_fashion-mnist-5k.py'
teacher_ckpt = 'work_dirs/teachers/resnet20_1xb128_fashion-mnist-5k/epoch_40.pth'
student_model = {{_base_.model}}
teacher_model = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet20', in_channels=1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
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
