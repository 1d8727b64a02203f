# Attention transfer (Zagoruyko & Komodakis, ICLR 2017) on Fashion-MNIST (resnet20 ->
# resnet8x0.5): the spatial attention maps (mean over channels of the squared activations,
# L2-normalised) of the student's three stages are matched to the teacher's with beta = 1000 per
# stage on mmrazor's ATLoss (mean over batch and positions of the squared difference): the
# original code's `--beta 1e+3` times its mean-reduced at_loss summed over the groups
# (szagoruyko/attention-transfer cifar.py), RepDistiller's `-b 1000` and mdistiller's FEAT_WEIGHT
# 1000. None applies the paper's beta/2.
_base_ = ['../../_base_/distill/resnet20_resnet8x0.5_fashion-mnist.py']

at_weight = 1000.0
stages = ['backbone.layer1', 'backbone.layer2', 'backbone.layer3']
model = dict(
    distiller=dict(
        student_recorders={f's{i}': dict(type='ModuleOutputs', source=s)
                           for i, s in enumerate(stages)},
        teacher_recorders={f's{i}': dict(type='ModuleOutputs', source=s)
                           for i, s in enumerate(stages)},
        distill_losses={f'loss_at{i}': dict(type='ATLoss', loss_weight=at_weight)
                        for i in range(len(stages))},
        loss_forward_mappings={
            f'loss_at{i}': dict(s_feature=dict(from_student=True, recorder=f's{i}'),
                                t_feature=dict(from_student=False, recorder=f's{i}'))
            for i in range(len(stages))}))
