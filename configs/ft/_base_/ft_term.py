# Factor transfer's distillation term (Kim et al., NeurIPS 2018: L_FT, the p-norm of the
# normalised factors' difference), the one part FT and IE-FT share: mmrazor's FTLoss (L1 distance
# of the L2-normalised factors) between the student's map through the connector `translator` and
# the teacher's through `teacher_factor` (the frozen paraphraser's encoder), both read from the
# recorder `feat`. The configs that take it in (configs/ft/_base_/ft_*,
# configs/iekd/_base_/iekd-ft_*) define those two connectors and recorder and place the term with
# `distill_losses={{_base_.ft_distill_losses}}` and
# `loss_forward_mappings={{_base_.ft_loss_forward_mappings}}`.
ft_weight = 500.0  # the IE-KD code's config/ft/cifar100/resnet56-20.yaml: loss_weight 500

ft_distill_losses = dict(loss_ft=dict(type='FTLoss', loss_weight=ft_weight))
ft_loss_forward_mappings = dict(
    loss_ft=dict(
        s_feature=dict(from_student=True, recorder='feat', connector='translator'),
        t_feature=dict(from_student=False, recorder='feat', connector='teacher_factor')))
