# Early-stopped teacher (b) (Cho & Hariharan, ICCV 2019): Hinton KD from an early checkpoint of
# the teacher run (configs/teachers/ keeps every epoch) instead of the converged teacher.
_base_ = ['../kd/kd_resnet32x4_resnet20_fashion-mnist.py']

teacher_epoch = 1
model = dict(teacher_ckpt=f'work_dirs/teachers/resnet32x4_fashion-mnist/epoch_{teacher_epoch}.pth')
