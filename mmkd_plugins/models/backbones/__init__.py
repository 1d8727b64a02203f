from .cifar_resnet import CIFARResNet
from .preact_resnet import PreActResNet, WideResNet

__all__ = ['CIFARResNet', 'PreActResNet', 'WideResNet']
