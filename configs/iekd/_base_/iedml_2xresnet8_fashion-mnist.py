# IE-KD's extension to deep mutual learning on Fashion-MNIST: two resnet8 trained online, each
# with an online auto-encoder on its layer3 map whose factor the other inherits from (one half of
# its channels) and explores away from (the other half), on top of DML's mutual KL. Every network
# sees the same batch (views='shared', the only setting IEDML accepts: the factors are compared
# position by position) and the updates alternate between the networks, as the official code
# (processors/DML.py) and the paper's Algorithm 1.
_base_ = ['../../dml/_base_/dml_2xresnet8_fashion-mnist.py']

model = dict(
    type='mmrazor.IEDML',
    alternate=True,
    feature='backbone.layer3',
    in_channels=[64, 64],
    factor_channels=32,  # half of resnet8's layer3 width (official convention)
    split='natural',
    ratio=0.5,
    lambda_inh=1.0,
    lambda_exp=1.0,
    exploration_mode='l1',
    rec_weight=1.0)
