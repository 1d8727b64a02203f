# KDCL-Naive: the target is the logits of the student with the lowest CE on the batch.
_base_ = ['./kdcl_2xresnet20_fashion-mnist_minlogit.py']

model = dict(ensemble=dict(type='Naive'))
