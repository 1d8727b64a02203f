# resnet20 alone under the protocol (configs/_base_/protocols/fashion-mnist-5k.py): the teacher of
# the distillation rows (configs/teachers/ trains the same config into work_dirs/teachers/) and
# the baseline of PS-KD, which self-distils resnet20.
_base_ = ['../_base_/protocols/fashion-mnist-5k.py']
model = dict(backbone=dict(arch='resnet20'))
