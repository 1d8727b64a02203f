# TAKD stage 2: Hinton KD from the assistant resnet56 (stage 1's student, exported as a plain
# classifier by tools/takd_chain.py) into the final student resnet20.
_base_ = ['../kd/kd_resnet32x4_resnet20_fashion-mnist.py']

model = dict(
    teacher=dict(backbone=dict(arch='resnet56'), head=dict(in_channels=64)),
    teacher_ckpt='work_dirs/takd_chain_fashion-mnist/stage1_student.pth',
    teacher_config=('it is the exported student of stage 1: run the chain, `python '
                    'tools/takd_chain.py configs/takd/takd_stage1_resnet32x4_resnet56_fashion-'
                    'mnist.py configs/takd/takd_stage2_resnet56_resnet20_fashion-mnist.py '
                    '--work-dir work_dirs/takd_chain_fashion-mnist`'))
