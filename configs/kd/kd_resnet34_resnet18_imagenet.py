# Hinton KD on ImageNet, ResNet-34 -> ResNet-18 (T = 1 as the usual ImageNet setting of
# RepDistiller/CRD; KD weight 1 with CE weight 1).
_base_ = ['../_base_/distill/imagenet_resnet34_resnet18.py']

model = dict(
    distiller=dict(
        student_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(loss_kl=dict(type='KLDivergence', tau=1.0, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kl=dict(preds_S=dict(from_student=True, recorder='logits'),
                         preds_T=dict(from_student=False, recorder='logits')))))
