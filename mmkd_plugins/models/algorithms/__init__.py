from .dml import DML
from .iekd import IEDML, IEFactorExtraction
from .kdcl import KDCL
from .method import DistillMethod, DistillView, describe
from .online import OnlineDistill
from .prediction_memory import PredictionMemory
from .pskd import PSKD
from .teacher_distill import TeacherDistill

__all__ = ['DML', 'DistillMethod', 'DistillView', 'IEDML', 'IEFactorExtraction', 'KDCL',
           'OnlineDistill', 'PSKD', 'PredictionMemory', 'TeacherDistill', 'describe']
