# KDCL design diagnostic (the paper's T is not known here; ours is 2): KDCL-MinLogit with T = 1.
# Fitting-regime protocol.
_base_ = ['./kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-1k.py']

model = dict(temperature=1.0)
