# DML, two resnet20 (against resnet20 alone) on Fashion-MNIST under the fashion-mnist-1k protocol:
# the protocol plus the method (_base_/dml_2xresnet20_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-1k.py',
    './_base_/dml_2xresnet20_fashion-mnist.py',
]
