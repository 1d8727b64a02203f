# IE-KD + Hinton KD on CIFAR-100, official stage-2 recipe and KD loss:
# (1 - alpha) CE + alpha T^2 KL, alpha = 0.9, T = 4 (official loss/distillation.py).
_base_ = ['./iekd_resnet56_resnet20_1xb128_cifar100.py']

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
