# "CutMix + PS-KD": CutMix (alpha 1.0, every batch) on top of PS-KD; PS-KD mixes labels and
# memory rows with the same lambda and permutation.
_base_ = ['./pskd_preact-resnet18_1xb128_cifar100.py']

model = dict(
    architecture=dict(
        data_preprocessor=dict(batch_augments=dict(augments=[dict(type='CutMix', alpha=1.0)]))))
