# KDCL-Linear on CIFAR-100, two resnet32 students.
_base_ = ['./kdcl-minlogit_2xresnet32_1xb64_cifar100.py']

model = dict(ensemble=dict(type='Linear'))
