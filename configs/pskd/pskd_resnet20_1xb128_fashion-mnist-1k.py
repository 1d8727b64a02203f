# PS-KD (memory), resnet20 on Fashion-MNIST under the fashion-mnist-1k protocol: the protocol plus
# the method (_base_/pskd_resnet20_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-1k.py',
    './_base_/pskd_resnet20_fashion-mnist.py',
]
