from .prediction_memory import PredictionMemory
from .pskd import PSKD

__all__ = ['PSKD', 'PredictionMemory']
