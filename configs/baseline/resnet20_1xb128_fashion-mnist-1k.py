# resnet20 alone under the fitting-regime protocol: the teacher of the distillation rows and
# PS-KD's baseline.
_base_ = ['../_base_/protocols/fashion-mnist-1k.py']
model = dict(backbone=dict(arch='resnet20'))
