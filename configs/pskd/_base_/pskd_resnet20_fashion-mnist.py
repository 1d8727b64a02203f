# PS-KD (memory) on Fashion-MNIST under the protocol: resnet20 self-distils (the paper's regime:
# an over-parameterised model trained long with step decay), compared with resnet20 alone
# (configs/baseline/resnet20_1xb128_<protocol>.py). alpha_T = 0.8 as the official code; the
# memory sizes itself from the training set (one row per training image).
_base_ = [
    '../../baseline/_base_/resnet20_fashion-mnist.py',
    '../../_base_/evaluators/calibration.py',
]

model = dict(
    _delete_=True,
    type='mmrazor.PSKD',
    architecture={{_base_.model}},
    alpha_T=0.8,
    source='memory',
    memory=dict(dtype='float32'))
custom_hooks = [dict(type='PSKDHook')]
val_evaluator = {{_base_.calibration_metrics}}
test_evaluator = val_evaluator
