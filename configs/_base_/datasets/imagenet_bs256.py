# ImageNet-1k (data/imagenet in mmpretrain's layout: train/, val/, meta/train.txt, meta/val.txt),
# batch 256 = 8 GPUs x 32: mmpretrain's standard RandomResizedCrop(224) + flip / ResizeEdge(256) +
# CenterCrop(224) pipelines.
_base_ = 'mmpretrain::_base_/datasets/imagenet_bs32.py'

val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
