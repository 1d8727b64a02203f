# IE-DML, two resnet8 on Fashion-MNIST under the fashion-mnist-5k protocol: the protocol plus the
# method (_base_/iedml_2xresnet8_fashion-mnist.py).
_base_ = [
    '../_base_/protocols/fashion-mnist-5k.py',
    './_base_/iedml_2xresnet8_fashion-mnist.py',
]
