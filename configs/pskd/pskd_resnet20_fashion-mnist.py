# PS-KD (memory) on Fashion-MNIST with the baseline's resnet20 and schedule (CPU-sized).
_base_ = [
    '../baseline/resnet20_fashion-mnist.py',
    '../_base_/evaluators/calibration.py',
]

model = dict(
    _delete_=True,
    type='mmrazor.PSKD',
    architecture={{_base_.model}},
    alpha_T=0.8,
    source='memory',
    memory=dict(num_samples=60000, dtype='float32'))
custom_hooks = [dict(type='PSKDHook')]
val_evaluator = {{_base_.calibration_metrics}}
test_evaluator = val_evaluator
