# Shared base of the CIFAR-100 IE-KD configs: student resnet20, frozen teacher resnet56 trained with
# the same official recipe (configs/teachers/resnet56_1xb128-iekd_cifar100.py; batch 128, 160 epochs).
_base_ = [
    '../models/cifar_resnet20.py',
    '../datasets/cifar100_bs128.py',
    '../schedules/cifar_sgd_160e_iekd.py',
    '../default_runtime.py',
]

teacher_config = 'configs/teachers/resnet56_1xb128-iekd_cifar100.py'
teacher_ckpt = 'work_dirs/teachers/resnet56_1xb128-iekd_cifar100/epoch_160.pth'
student_model = {{_base_.model}}
teacher_model = dict(
    type='ImageClassifier',
    backbone=dict(type='CIFARResNet', arch='resnet56', in_channels=3),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
model = dict(
    _delete_=True,
    type='mmrazor.TeacherDistill',
    architecture=student_model,
    teacher=teacher_model,
    teacher_ckpt=teacher_ckpt,
    teacher_config=teacher_config,
    distiller=dict(type='ConfigurableDistiller'))
find_unused_parameters = True
