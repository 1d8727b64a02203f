# KDCL design diagnostic (the paper leaves it open): the MinLogit target built from both
# students' logits on one shared view (view 0) instead of each student's own view; each student
# still learns on its own view.
_base_ = ['./kdcl-minlogit_2xresnet8_fashion-mnist.py']

model = dict(target_views='shared')
