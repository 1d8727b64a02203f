# Factor transfer (Kim et al., NeurIPS 2018) on Fashion-MNIST (resnet20 -> resnet8x0.5), as the
# IE-KD code runs it (processors/FT.py, config/ft/cifar100/resnet56-20.yaml), the FT its IE-FT is
# compared with: a paraphraser (auto-encoder of the frozen teacher's layer3 map) trained first by
# reconstruction -- IE-KD's stage 1, the same auto-encoder and optimiser there and here
# (configs/iekd/iekd-stage1_*) -- then the student's layer3 map through a translator (mmrazor's
# Translator) pulled to the paraphraser's factor by mmrazor's FTLoss (L1 of the L2-normalised
# factors; the term in ./ft_term.py, shared with IE-FT), L = CE + 500 L_FT. The factor: half the
# student's width (16), as IE-KD's.
_base_ = ['../../_base_/distill/resnet20_resnet8x0.5_fashion-mnist.py', './ft_term.py']

feature = 'backbone.layer3'  # matched stage of student and teacher (7 x 7 on Fashion-MNIST)
student_channels = 32
teacher_channels = 64
factor_channels = 16

model = dict(
    distiller=dict(
        student_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=feature)),
        connectors=dict(
            translator=dict(type='Translator', in_channel=student_channels,
                            out_channel=factor_channels),
            # the paraphraser's encoder, frozen, read from the stage-1 checkpoint
            teacher_factor=dict(type='IETeacherFactor', in_channels=teacher_channels,
                                factor_channels=factor_channels)),
        distill_losses={{_base_.ft_distill_losses}},
        loss_forward_mappings={{_base_.ft_loss_forward_mappings}}))
