# KDCL design diagnostic (the paper leaves it open): Linear's weights on the simplex
# (a = softmax(w): non-negative, summing to 1) instead of unconstrained. Fitting-regime protocol.
_base_ = ['./kdcl-linear_2xresnet8_1xb128_fashion-mnist-1k.py']

model = dict(ensemble=dict(constraint='simplex'))
