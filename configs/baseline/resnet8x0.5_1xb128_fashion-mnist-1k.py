# resnet8x0.5 alone under the fitting-regime protocol: the teacher-student rows' baseline.
_base_ = ['../_base_/protocols/fashion-mnist-1k.py']
model = dict(backbone=dict(arch='resnet8x0.5'), head=dict(in_channels=32))
