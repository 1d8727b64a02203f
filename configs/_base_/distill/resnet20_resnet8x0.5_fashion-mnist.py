# Shared base of every teacher-student method part on Fashion-MNIST: student resnet8x0.5 (resnet8
# at half width, because resnet20 is not 1.5 pt above resnet8 on the protocols' images), frozen
# teacher resnet20 trained by configs/teachers/. A method part inherits this and fills
# `model.distiller` (recorders, connectors, losses, mappings); the config of a protocol sets the
# teacher's checkpoint that protocol trains (`model.teacher_ckpt`, `model.teacher_config`).
_base_ = ['../../baseline/_base_/resnet8x0.5_fashion-mnist.py']

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
    distiller=dict(type='ConfigurableDistiller'))
# the student alone is validated (mmrazor's loop would add the teacher's accuracy as well)
find_unused_parameters = True
