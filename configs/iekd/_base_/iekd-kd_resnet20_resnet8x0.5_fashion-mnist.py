# IE-KD + Hinton KD ("IE-KD" in the paper's Table of IE applied to existing methods): the IE
# losses plus the official code's KD loss (loss/distillation.py, config/kd/*.yaml):
# (1 - alpha) CE + alpha T^2 KL(softmax(z_T/T) || softmax(z_S/T)), alpha = 0.9, T = 4
# (mmrazor's KLDivergence on the logits; the CE weight is the student head's loss_weight).
_base_ = ['./iekd_resnet20_resnet8x0.5_fashion-mnist.py']

temperature = 4.0
alpha = 0.9
model = dict(
    architecture=dict(head=dict(loss=dict(loss_weight=1 - alpha))),
    distiller=dict(
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(loss_kl=dict(type='KLDivergence', tau=temperature,
                                         loss_weight=alpha)),
        loss_forward_mappings=dict(
            loss_kl=dict(preds_S=dict(from_student=True, recorder='logits'),
                         preds_T=dict(from_student=False, recorder='logits')))))
