from .fashion_mnist import LocalFashionMNIST, prepare_fashion_mnist

__all__ = ['LocalFashionMNIST', 'prepare_fashion_mnist']
