# IE-KD stage 1 for a student larger than its teacher (the paper's Fig. 1(b)): the auto-encoder of
# the resnet8x0.5 teacher's layer3 map (32 x 7 x 7) through a 32-channel factor (half the student
# resnet20's 64: the official convention); everything else as iekd-stage1_resnet20_fashion-mnist.py.
_base_ = ['./iekd-stage1_resnet20_fashion-mnist.py']

model = dict(teacher=dict(backbone=dict(arch='resnet8x0.5'), head=dict(in_channels=32)),
             auto_encoder=dict(in_channels=32, factor_channels=32))
