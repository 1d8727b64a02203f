# IE-KD stage 1 ("compact knowledge extraction") on Fashion-MNIST (the protocol): an auto-encoder
# learns to reconstruct the frozen resnet20 teacher's layer3 map (64 x 7 x 7) through a 16-channel
# factor (the official convention: half the *student's* width, resnet8x0.5's layer3 has 32), with an
# L1 loss, for the protocol's epochs. Only the auto-encoder trains. Stage 2
# (iekd_resnet20_resnet8x0.5_1xb128_<protocol>.py) reads the encoder from its last checkpoint.
_base_ = ['../../_base_/distill/resnet20_resnet8x0.5_fashion-mnist.py']

teacher_feature = 'backbone.layer3'
teacher_channels = 64
factor_channels = 16
model = dict(
    _delete_=True,
    type='mmrazor.IEFactorExtraction',
    teacher={{_base_.teacher_model}},
    feature=teacher_feature,
    auto_encoder=dict(type='IEAutoEncoder', in_channels=teacher_channels,
                      factor_channels=factor_channels),
    reconstruction='l1')
# the official stage-1 optimiser (processors/FT.py + base.py of the official code): SGD lr 0.1,
# constant, momentum 0.9, Nesterov, wd 5e-4; only the auto-encoder is trained
