# Deep mutual learning (Zhang et al., CVPR 2018), two resnet20 on Fashion-MNIST: each learns CE +
# KL towards the other's prediction (T = 1). Same students, per-student views, validation and
# export as KDCL (DML is KDCL's structure without an ensemble), so the data path is KDCL's.
_base_ = ['../kdcl/kdcl_2xresnet20_fashion-mnist_minlogit.py']

model = dict(
    _delete_=True,
    type='mmrazor.DML',
    students={{_base_.model.students}},
    temperature=1.0,
    kd_weight=1.0,
    alternate=False,  # True: the paper's one-after-the-other updates (costs 2 extra forwards)
    data_preprocessor=dict(type='mmpretrain.SelfSupDataPreprocessor', mean=[72.94], std=[90.02],
                           to_rgb=False))
