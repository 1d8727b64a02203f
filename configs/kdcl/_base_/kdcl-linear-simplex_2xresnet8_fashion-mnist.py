# KDCL design diagnostic (the paper leaves it open): Linear's weights on the simplex
# (a = softmax(w): non-negative, summing to 1) instead of unconstrained.
_base_ = ['./kdcl-linear_2xresnet8_fashion-mnist.py']

model = dict(ensemble=dict(constraint='simplex'))
