# Teacher of every Fashion-MNIST distillation config (KD, FitNets, AT, TAKD, ESKD, IE-KD): resnet20
# under the protocol (the baseline config), trained into work_dirs/teachers/ where those configs
# look for it (`make teachers` trains it when missing). Checkpoints every 10 epochs are all kept:
# the early-stopped teacher of ESKD (b) is the epoch-20 one.
_base_ = ['../baseline/resnet20_1xb128_fashion-mnist-5k.py']

work_dir = 'work_dirs/teachers/resnet20_1xb128_fashion-mnist-5k'
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=-1, save_best=None))
