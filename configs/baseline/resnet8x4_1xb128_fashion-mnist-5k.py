# resnet8x4 alone on Fashion-MNIST under the fashion-mnist-5k protocol: the protocol plus the
# method (_base_/resnet8x4_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-5k.py',
    './_base_/resnet8x4_fashion-mnist.py',
]
