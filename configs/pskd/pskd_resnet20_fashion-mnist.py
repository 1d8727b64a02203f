# PS-KD (memory) on Fashion-MNIST with the baseline's resnet20 and schedule (CPU-sized).
_base_ = ['../baseline/resnet20_fashion-mnist.py']

model = dict(
    _delete_=True,
    type='mmrazor.PSKD',
    architecture={{_base_.model}},
    alpha_T=0.8,
    source='memory',
    memory=dict(num_samples=60000, dtype='float32'))
custom_hooks = [dict(type='PSKDHook')]

val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='ECE', n_bins=10),
    dict(type='AURC'),
    dict(type='EAURC'),
    dict(type='NLL'),
]
test_evaluator = val_evaluator
