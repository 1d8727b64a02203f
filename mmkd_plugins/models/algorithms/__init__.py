from .prediction_memory import PredictionMemory
from .kdcl import KDCL
from .pskd import PSKD

__all__ = ['KDCL', 'PSKD', 'PredictionMemory']
