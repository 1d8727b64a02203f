# The online methods (KDCL, DML, IE-DML): top-1, ECE and NLL of the evaluated student, and every
# student's and the students' mean prediction's top-1 (KDCLAccuracy: kdcl/student{i}/top1,
# kdcl/ensemble/top1).
# Use as `val_evaluator = {{_base_.online_metrics}}` (a base may not redefine val_evaluator
# beside another base that defines it).
online_metrics = [dict(type='Accuracy', topk=(1, )), dict(type='ECE', n_bins=10), dict(type='NLL'),
                  dict(type='KDCLAccuracy')]
