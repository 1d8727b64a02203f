# Hinton KD (Hinton et al., 2015) on Fashion-MNIST (the protocol): student resnet8x0.5 learns
# ce_weight * CE + kd_weight * T^2 * KL(softmax(z_T/T) || softmax(z_S/T)) from the frozen
# resnet20 teacher (mmrazor's KLDivergence on the logits, i.e. the output of head.fc), with
# RepDistiller's CIFAR setting (the table everyone quotes; `-r 0.1 -a 0.9`, T = 4), which the
# attention-transfer and IE-KD code share as (1 - alpha) CE + alpha T^2 KL with alpha = 0.9.
_base_ = ['../../_base_/distill/resnet20_resnet8x0.5_fashion-mnist.py']

temperature = 4.0
ce_weight = 0.1
kd_weight = 0.9
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight=ce_weight))),
    distiller=dict(
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(loss_kl=dict(type='KLDivergence', tau=temperature,
                                         loss_weight=kd_weight)),
        loss_forward_mappings=dict(
            loss_kl=dict(preds_S=dict(from_student=True, recorder='logits'),
                         preds_T=dict(from_student=False, recorder='logits')))))
