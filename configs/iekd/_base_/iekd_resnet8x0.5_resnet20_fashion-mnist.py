# IE-KD stage 2 with a student larger than its teacher (the paper's Fig. 1(b): IE-KD above the
# student alone, Hinton KD below it): the resnet20 -> resnet8x0.5 method part with the networks
# swapped (teacher resnet8x0.5 alone, student resnet20). The student's layer3 (64 ch) splits into
# two 32-channel parts, each encoded to stage 1's 32-channel factor
# (iekd-stage1_resnet8x0.5_fashion-mnist.py).
_base_ = ['./iekd_resnet20_resnet8x0.5_fashion-mnist.py']

student_channels = 64
teacher_channels = 32
factor_channels = 32
model = dict(
    architecture=dict(backbone=dict(arch='resnet20'), head=dict(in_channels=64)),
    teacher=dict(backbone=dict(arch='resnet8x0.5'), head=dict(in_channels=32)),
    distiller=dict(connectors=dict(
        inheritance=dict(in_channels=student_channels, factor_channels=factor_channels),
        exploration=dict(in_channels=student_channels, factor_channels=factor_channels),
        teacher_factor=dict(in_channels=teacher_channels, factor_channels=factor_channels))))
