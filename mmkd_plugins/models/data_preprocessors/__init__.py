from .batch_crop_flip import BatchCropFlipDataPreprocessor

__all__ = ['BatchCropFlipDataPreprocessor']
