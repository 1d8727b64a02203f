# IE + factor transfer (IE-FT): the IE losses plus Factor Transfer's own term -- the whole student
# map through a translator (mmrazor's Translator) pulled to the same stage-1 teacher factor by
# mmrazor's FTLoss. (Our reading of "IE applied to FT": FT's translator on all channels, IE's
# inheritance/exploration encoders on the split; the paper gives no further detail.)
_base_ = ['./iekd_resnet20_resnet8x0.5_fashion-mnist.py']

# the official FT weight (config/ft/cifar100/resnet56-20.yaml: loss_weight 500)
ft_weight = 500.0

model = dict(
    distiller=dict(
        connectors=dict(translator=dict(type='Translator', in_channel={{_base_.student_channels}},
                                             out_channel={{_base_.factor_channels}})),
        distill_losses=dict(loss_ft=dict(type='FTLoss', loss_weight=ft_weight)),
        loss_forward_mappings=dict(
            loss_ft=dict(
                s_feature=dict(from_student=True, recorder='feat', connector='translator'),
                t_feature=dict(from_student=False, recorder='feat',
                               connector='teacher_factor')))))
