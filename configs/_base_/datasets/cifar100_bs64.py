# CIFAR-100, batch 64 (RepDistiller's recipe for the KD benchmark).
_base_ = './cifar100_bs128.py'

train_dataloader = dict(batch_size=64)
