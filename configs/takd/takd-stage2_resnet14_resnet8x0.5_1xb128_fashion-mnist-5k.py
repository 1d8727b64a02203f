# TAKD stage 2: Hinton KD from the assistant resnet14 (stage 1's student, exported as a plain
# classifier by tools/takd_chain.py) into the final student resnet8x0.5.
_base_ = ['../kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py']

model = dict(
    teacher=dict(backbone=dict(arch='resnet14'), head=dict(in_channels=64)),
    teacher_ckpt='work_dirs/takd_chain_fashion-mnist-5k/stage1_student.pth',
    teacher_config=('it is the exported student of stage 1: run the chain, `python '
                    'tools/takd_chain.py configs/takd/takd-stage1_resnet20_resnet14_1xb128_'
                    'fashion-mnist-5k.py configs/takd/takd-stage2_resnet14_resnet8x0.5_1xb128_'
                    'fashion-mnist-5k.py --work-dir work_dirs/takd_chain_fashion-mnist-5k`'))
