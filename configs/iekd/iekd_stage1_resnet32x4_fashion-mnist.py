# IE-KD stage 1 ("compact knowledge extraction") on Fashion-MNIST: an auto-encoder learns to
# reconstruct the frozen resnet32x4 teacher's layer3 map (256 x 7 x 7) through a 64-channel
# factor, with an L1 loss. Only the auto-encoder trains. Stage 2
# (iekd_resnet32x4_resnet20_fashion-mnist.py) reads the encoder from this run's last checkpoint.
_base_ = ['../_base_/distill/fashion-mnist_resnet32x4_resnet20.py']

teacher_feature = 'backbone.layer3'
teacher_channels = 256
factor_channels = 64
model = dict(
    _delete_=True,
    type='mmrazor.IEFactorExtraction',
    teacher={{_base_.teacher_model}},
    teacher_ckpt={{_base_.teacher_ckpt}},
    teacher_config={{_base_.teacher_config}},
    feature=teacher_feature,
    auto_encoder=dict(type='IEAutoEncoder', in_channels=teacher_channels,
                      factor_channels=factor_channels),
    reconstruction='l1')
# the auto-encoder trains with Adam at a constant rate (the teacher's SGD recipe is for classifiers)
optim_wrapper = dict(_delete_=True, optimizer=dict(type='Adam', lr=1e-3, weight_decay=0))
param_scheduler = []
work_dir = 'work_dirs/iekd_stage1_resnet32x4_fashion-mnist'
default_hooks = dict(checkpoint=dict(save_best=None))
