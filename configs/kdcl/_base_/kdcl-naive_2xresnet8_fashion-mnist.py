# KDCL-Naive: the target is, for each image, the logits of the student with the lowest CE on it
# (per='sample', our reading of the paper's "the member with the lowest cross-entropy");
# per='batch' takes one member, the lowest mean CE, for the whole batch.
_base_ = ['./kdcl-minlogit_2xresnet8_fashion-mnist.py']

model = dict(ensemble=dict(_delete_=True, type='Naive', per='sample'))
