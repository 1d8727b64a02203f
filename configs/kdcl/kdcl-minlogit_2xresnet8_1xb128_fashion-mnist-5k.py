# KDCL-MinLogit, two resnet8 on Fashion-MNIST under the fashion-mnist-5k protocol: the protocol
# plus the method (_base_/kdcl-minlogit_2xresnet8_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-5k.py',
    './_base_/kdcl-minlogit_2xresnet8_fashion-mnist.py',
]

# each student's own view, over the protocol's loaders
train_dataloader = {{_base_.multi_view_train_dataloader}}
val_dataloader = {{_base_.multi_view_val_dataloader}}
test_dataloader = val_dataloader
