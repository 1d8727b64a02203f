# IE + factor transfer (IE-FT): the IE losses plus Factor Transfer's own term -- the whole student
# map through a translator (mmrazor's Translator) pulled to the same stage-1 teacher factor by
# mmrazor's FTLoss. (Our reading of "IE applied to FT": FT's translator on all channels, IE's
# inheritance/exploration encoders on the split; the paper gives no further detail.)
_base_ = ['./iekd_resnet20_resnet8x0.5_fashion-mnist.py', '../../ft/_base_/ft_term.py']

model = dict(
    distiller=dict(
        connectors=dict(translator=dict(type='Translator', in_channel={{_base_.student_channels}},
                                             out_channel={{_base_.factor_channels}})),
        distill_losses={{_base_.ft_distill_losses}},
        loss_forward_mappings={{_base_.ft_loss_forward_mappings}}))
