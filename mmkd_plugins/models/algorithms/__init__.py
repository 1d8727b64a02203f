from .dml import DML, IEDML
from .iekd import IEFactorExtraction
from .kdcl import KDCL
from .prediction_memory import PredictionMemory
from .pskd import PSKD
from .teacher_distill import TeacherDistill

__all__ = ['DML', 'IEDML', 'IEFactorExtraction', 'KDCL', 'PSKD', 'PredictionMemory', 'TeacherDistill']
