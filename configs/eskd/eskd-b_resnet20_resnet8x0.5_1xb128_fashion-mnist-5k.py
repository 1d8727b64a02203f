# Early-stopped teacher (b) (Cho & Hariharan, ICCV 2019): Hinton KD from an early checkpoint of
# the teacher run (configs/teachers/ keeps every 10th epoch) instead of the converged teacher:
# epoch 20, the end of the teacher's first lr phase.
_base_ = ['../kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py']

teacher_epoch = 20
model = dict(teacher_ckpt=f'work_dirs/teachers/resnet20_1xb128_fashion-mnist-5k/epoch_{teacher_epoch}.pth')
