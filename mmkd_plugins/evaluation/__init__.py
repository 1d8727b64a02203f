from .calibration import (AURC, ECE, EAURC, NLL, aurc_eaurc, expected_calibration_error,
                          negative_log_likelihood)
from .kdcl_accuracy import KDCLAccuracy

__all__ = ['ECE', 'AURC', 'EAURC', 'NLL', 'KDCLAccuracy', 'expected_calibration_error',
           'aurc_eaurc', 'negative_log_likelihood']
