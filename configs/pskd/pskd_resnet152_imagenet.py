# PS-KD on ImageNet-1k with ResNet-152, snapshot mode (last epoch's model on the device instead
# of a 1.28M x 1000 memory), batch 256 = 8 GPUs x 32, 90 epochs, alpha_T = 0.8 (the paper: top-1
# error 21.41 vs 22.19 baseline).
_base_ = [
    'mmpretrain::_base_/models/resnet152.py',
    '../_base_/datasets/imagenet_bs256.py',
    '../_base_/schedules/imagenet_sgd_90e.py',
    '../_base_/default_runtime.py',
    '../_base_/evaluators/calibration.py',
]

model = dict(
    _delete_=True,
    type='mmrazor.PSKD',
    architecture={{_base_.model}},
    alpha_T=0.8,
    source='snapshot')
custom_hooks = [dict(type='PSKDHook')]
val_evaluator = {{_base_.calibration_metrics}}
test_evaluator = val_evaluator
