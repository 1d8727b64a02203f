# ImageNet-1k (data/imagenet in mmpretrain's layout: train/, val/, meta/train.txt, meta/val.txt),
# batch 256 = 8 GPUs x 32: mmpretrain's standard RandomResizedCrop(224) + flip / ResizeEdge(256) +
# CenterCrop(224) pipelines.
_base_ = 'mmpretrain::_base_/datasets/imagenet_bs32.py'

# top-1 / top-5 and the calibration every method is judged by beside them (ECE %, NLL)
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='ECE', n_bins=10), dict(type='NLL')]
test_evaluator = val_evaluator
