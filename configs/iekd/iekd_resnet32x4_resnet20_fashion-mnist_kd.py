# IE-KD + Hinton KD ("IE-KD" in the paper's Table of IE applied to existing methods): the IE
# losses plus KL(softmax(z_T/T) || softmax(z_S/T)) * T^2 on the logits (mmrazor's KLDivergence).
_base_ = ['./iekd_resnet32x4_resnet20_fashion-mnist.py']

temperature = 4.0
model = dict(
    distiller=dict(
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(loss_kl=dict(type='KLDivergence', tau=temperature, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kl=dict(preds_S=dict(from_student=True, recorder='logits'),
                         preds_T=dict(from_student=False, recorder='logits')))))
