# Top-1 accuracy on the validation and test sets (mmpretrain's Accuracy).
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
