# Shared base of the ImageNet teacher-student configs: student ResNet-18 (the baseline config:
# 90 epochs, batch 256), frozen teacher ResNet-34 with mmpretrain's released ImageNet weights
# (73.62 % top-1).
_base_ = ['../../baseline/resnet18_8xb32_in1k.py']

teacher_ckpt = ('https://download.openmmlab.com/mmclassification/v0/resnet/'
                'resnet34_8xb32_in1k_20210831-f257d4e6.pth')
student_model = {{_base_.model}}
teacher_model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=34, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1, 5)))
model = dict(
    _delete_=True,
    type='mmrazor.TeacherDistill',
    architecture=student_model,
    teacher=teacher_model,
    teacher_ckpt=teacher_ckpt,
    distiller=dict(type='ConfigurableDistiller'))
find_unused_parameters = True
