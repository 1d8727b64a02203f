from .fashion_mnist import LocalFashionMNIST, prepare_fashion_mnist
from .shapes_coco import make_shapes_classification, make_shapes_coco

__all__ = ['LocalFashionMNIST', 'prepare_fashion_mnist', 'make_shapes_coco',
           'make_shapes_classification']
