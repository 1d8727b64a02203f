# CIFAR-100 (data/cifar100, the python pickle release), batch 128 on one GPU: mmpretrain's base
# with RandomCrop(32, pad 4) + horizontal flip, sample_idx packed by PackInputs.
_base_ = 'mmpretrain::_base_/datasets/cifar100_bs16.py'

train_dataloader = dict(batch_size=128, num_workers=4)
val_dataloader = dict(batch_size=128, num_workers=4)
test_dataloader = val_dataloader
# top-1 / top-5 and the calibration every method is judged by beside them (ECE %, NLL)
val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='ECE', n_bins=10), dict(type='NLL')]
test_evaluator = val_evaluator
