# KDCL-Naive on CIFAR-100, two resnet32 students; per-sample choice of the lowest-CE member
# (per='batch': one member for the whole batch).
_base_ = ['./kdcl-minlogit_2xresnet32_1xb64_cifar100.py']

model = dict(ensemble=dict(_delete_=True, type='Naive', per='sample'))
