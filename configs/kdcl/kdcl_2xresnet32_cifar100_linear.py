# KDCL-Linear on CIFAR-100, two resnet32 students.
_base_ = ['./kdcl_2xresnet32_cifar100_minlogit.py']

model = dict(ensemble=dict(type='Linear'))
