from .calibration import (AURC, ECE, EAURC, NLL, aurc_eaurc, expected_calibration_error,
                          negative_log_likelihood, reliability_bins)
from .kdcl_accuracy import KDCLAccuracy
from .representation import (channel_activity, cka_matrix, collect_features,
                             count_active_neurons, linear_cka)

__all__ = ['ECE', 'AURC', 'EAURC', 'NLL', 'KDCLAccuracy', 'expected_calibration_error',
           'aurc_eaurc', 'negative_log_likelihood', 'reliability_bins',
           'channel_activity', 'cka_matrix', 'collect_features',
           'count_active_neurons', 'linear_cka']
