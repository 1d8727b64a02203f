# KDCL-Linear: the target is sum_i a_i z_i with learned a (trained by the ensemble's CE).
_base_ = ['./kdcl-minlogit_2xresnet8_fashion-mnist.py']

model = dict(ensemble=dict(type='Linear'))
