# Top-1/top-5 plus the calibration metrics PS-KD reports (ECE %, AURC and E-AURC x1000, NLL).
# Use as `val_evaluator = {{_base_.calibration_metrics}}` (a base may not redefine val_evaluator
# beside another base that defines it).
calibration_metrics = [
    dict(type='Accuracy', topk=(1, 5)),
    dict(type='ECE', n_bins=10),
    dict(type='AURC'),
    dict(type='EAURC'),
    dict(type='NLL'),
]
