# PS-KD on CIFAR-100 with PreAct ResNet-18 and the official recipe (1 GPU, batch 128, 300 epochs,
# Nesterov SGD lr 0.1, wd 5e-4, lr x0.1 at 150/225, alpha_T = 0.8). The paper reports top-1 error
# 20.82 and ECE 1.77 (baseline 24.18 / 11.84).
_base_ = [
    '../baseline/preact-resnet18_1xb128_cifar100.py',
    '../_base_/evaluators/calibration.py',
]

model = dict(
    _delete_=True,
    type='mmrazor.PSKD',
    architecture={{_base_.model}},
    alpha_T=0.8,
    source='memory',
    memory=dict(num_samples=50000, dtype='float32'))
custom_hooks = [dict(type='PSKDHook')]
val_evaluator = {{_base_.calibration_metrics}}
test_evaluator = val_evaluator
