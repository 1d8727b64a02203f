# The same pre-training with PS-KD (alpha_T = 0.8, prediction memory sized from the training set):
# the PS-KD paper's detection experiment is exactly this swap of a PS-KD-trained backbone into a
# detector.
_base_ = ['./resnet18_1xb32_shapes-cls.py']

model = dict(
    _delete_=True,
    type='mmrazor.PSKD',
    architecture={{_base_.model}},
    alpha_T=0.8,
    source='memory',
    memory=dict(dtype='float32'))
custom_hooks = [dict(type='PSKDHook')]
