# Teacher of the fitting-regime (fashion-mnist-1k) distillation configs: resnet20 under that
# protocol, trained into work_dirs/teachers/ where they look for it. Every checkpoint (each 75
# epochs) is kept: ESKD (b)'s early-stopped teacher is the epoch-150 one.
_base_ = ['../baseline/resnet20_1xb128_fashion-mnist-1k.py']

work_dir = 'work_dirs/teachers/resnet20_1xb128_fashion-mnist-1k'
default_hooks = dict(checkpoint=dict(max_keep_ckpts=-1, save_best=None))
