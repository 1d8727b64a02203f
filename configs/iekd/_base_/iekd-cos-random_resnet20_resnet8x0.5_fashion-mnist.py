# IE-KD ablation: random channel split (fixed permutation) and the |cos| exploration loss.
_base_ = ['./iekd_resnet20_resnet8x0.5_fashion-mnist.py']

model = dict(
    distiller=dict(
        connectors=dict(inheritance=dict(split='random', seed=0),
                        exploration=dict(split='random', seed=0)),
        distill_losses=dict(loss_exploration=dict(mode='cos'))))
