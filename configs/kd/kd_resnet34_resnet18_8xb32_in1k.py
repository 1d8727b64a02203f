# Hinton KD on ImageNet, ResNet-34 -> ResNet-18, mdistiller's ImageNet setting
# (megvii-research/mdistiller configs/imagenet/r34_r18/kd.yaml: CE 0.5 + KD 0.5, T = 1).
_base_ = ['../_base_/distill/imagenet_resnet34_resnet18.py']

temperature = 1.0
ce_weight = 0.5
kd_weight = 0.5
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
# mdistiller's schedule: 100 epochs, lr x0.1 at 30/60/90 (its lr 0.2 for batch 512 is our 0.1 for
# batch 256 = 8 x 32, the linear scaling mmengine's auto_scale_lr applies to other batch sizes).
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
train_cfg = dict(max_epochs=100)
