# Top-1 accuracy on the validation and test sets (mmpretrain's Accuracy), and the calibration every
# method is judged by beside it: ECE (%, 10 bins) and NLL (mmkd_plugins.evaluation).
val_evaluator = [dict(type='Accuracy', topk=(1, )), dict(type='ECE', n_bins=10), dict(type='NLL')]
test_evaluator = val_evaluator
