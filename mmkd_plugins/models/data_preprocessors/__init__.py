from .batch_crop_flip import BatchCropFlipDataPreprocessor
from .multi_view import MultiViewDataPreprocessor

__all__ = ['BatchCropFlipDataPreprocessor', 'MultiViewDataPreprocessor']
