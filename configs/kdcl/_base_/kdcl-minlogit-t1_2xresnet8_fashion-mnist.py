# KDCL design diagnostic (the paper's T is not known here; ours is 2): KDCL-MinLogit with T = 1.
_base_ = ['./kdcl-minlogit_2xresnet8_fashion-mnist.py']

model = dict(temperature=1.0)
