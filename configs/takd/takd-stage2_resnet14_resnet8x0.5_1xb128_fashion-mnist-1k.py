# TAKD stage 2 (assistant resnet14 -> student resnet8x0.5)
# under the fitting-regime protocol: the 5k config with the protocol's keys.
_base_ = ['./takd-stage2_resnet14_resnet8x0.5_1xb128_fashion-mnist-5k.py']

# the fitting-regime protocol (configs/_base_/protocols/fashion-mnist-1k.py; a test checks
# these keys against it)
train_dataloader = dict(dataset=dict(indices=1000))
train_cfg = dict(max_epochs=300, val_interval=15)
param_scheduler = dict(milestones=[150, 225])
default_hooks = dict(checkpoint=dict(interval=75))
# the teacher is stage 1's exported student (resnet14), not the protocol's resnet20
teacher_ckpt = 'work_dirs/takd_chain_fashion-mnist-1k/stage1_student.pth'
teacher_config = ('it is the exported student of stage 1: run the chain, `python '
                  'tools/takd_chain.py configs/takd/takd-stage1_resnet20_resnet14_1xb128_'
                  'fashion-mnist-1k.py configs/takd/takd-stage2_resnet14_resnet8x0.5_1xb128_'
                  'fashion-mnist-1k.py --work-dir work_dirs/takd_chain_fashion-mnist-1k`')
model = dict(teacher_ckpt=teacher_ckpt, teacher_config=teacher_config)
