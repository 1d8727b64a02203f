# Deep mutual learning (Zhang et al., CVPR 2018), two resnet8 on Fashion-MNIST (the protocol):
# each learns CE + T^2 KL towards the other's prediction (T = 1), as the paper and its reference
# code (YingZhangDUT/Deep-Mutual-Learning; IE-KD's processors/DML.py): every network sees the same
# batch (the baseline's pipeline: one random crop + flip per image), and the networks are updated
# one after the other within an iteration (the paper's Algorithm 1), the second against the
# first's updated predictions. Options: alternate=False (one joint update, one forward each);
# views='per_student' with MultiView(num_views=2) and MultiViewDataPreprocessor (KDCL's data
# path).
_base_ = [
    '../../baseline/_base_/resnet8_fashion-mnist.py',
    '../../_base_/evaluators/online.py',
]

# the data preprocessor: the protocol's (mmengine's Runner hands the config's
# data_preprocessor to the model), one view for both networks
num_students = 2
student = {{_base_.model}}
model = dict(
    _delete_=True,
    type='mmrazor.DML',
    students=[student] * num_students,
    temperature=1.0,
    kd_weight=1.0,
    alternate=True,
    views='shared')
val_evaluator = {{_base_.online_metrics}}
test_evaluator = val_evaluator
# Multi-process: the alternating step needs our DDP wrapper (each network's update is one DDP
# forward/backward, so its gradients are all-reduced); mmengine's default wrapper would call the
# model's forward directly and DML refuses that. Set here, so any train.py that builds the
# Runner from this config (ours, mmpretrain's, `mim train`) wraps it so. Alternating updates
# leave the other networks' parameters out of each sub-step's backward: find_unused_parameters.
model_wrapper_cfg = dict(type='MMKDDistributedDataParallel', broadcast_buffers=False,
                         find_unused_parameters=True)
