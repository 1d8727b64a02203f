# The accuracy protocol on Fashion-MNIST (README "Accuracy table"): a fixed low-data subset (the
# first 5,000 training images), the full 10,000-image test set, the 40-epoch step schedule, and
# the fast CPU path (channels-last model and inputs; data loaded in the training process: on 2
# cores a worker process competes with the two compute threads and halves the throughput; the
# random crop and flip done on the whole batch by the data preprocessor, which draws the random
# numbers the per-image pipeline would, so a seed gives the same inputs -- tests/test_fast_path.py,
# benchmarks/speed/bench_speed.py).
#
# A Fashion-MNIST config of a method family is this protocol plus the method's part
# (`configs/<family>/_base_/*_fashion-mnist.py`: the model, its evaluators and hooks, nothing of
# the protocol): `_base_ = ['../_base_/protocols/fashion-mnist-5k.py', './_base_/<part>.py']`,
# so a user who runs one gets its row, and its fashion-mnist-1k sibling differs by that line
# only (tests/test_protocols.py). The protocol holds no model and no evaluator; below it also
# names what its prerequisite runs write, which the leaves of teacher-student methods read.
_base_ = [
    '../datasets/fashion_mnist_bs128.py',
    '../schedules/fashion_mnist_40e_step.py',
    '../default_runtime.py',
]
n_train = 5000
# the base's RandomCrop(padding=2) -> RandomFlip, moved from the per-image pipeline to the batch
data_preprocessor = dict(
    type='BatchCropFlipDataPreprocessor',
    batch_transforms=[dict(type='RandomCrop', crop_size=28, padding=2),
                      dict(type='RandomFlip', prob=0.5, direction='horizontal')])
train_dataloader = dict(dataset=dict(indices=n_train, pipeline=[dict(type='PackInputs')]),
                        num_workers=0, persistent_workers=False)
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=10, max_keep_ckpts=1, save_last=True, save_best=None),
    channels_last=dict(type='ChannelsLastHook'),
    # fit, target and loss balance at every validation, on 1,000 training and 500 held-out
    # images, class-stratified, seed 0 (tools/analysis/distill_report.py); 500 held out keeps
    # the hook within 3 % of a fashion-mnist-1k run (benchmarks/speed/README.md)
    diagnostics=dict(type='DistillDiagnosticsHook', num_images=1000, heldout_images=500,
                     seed=0, grad_interval=50))
randomness = dict(seed=0)

# -- what this protocol's prerequisite runs write (read by the method configs' leaves) --------
protocol = 'fashion-mnist-5k'
first_lr_drop = 20  # the first milestone: ESKD (a) stops KD here, ESKD (b) takes this teacher
teacher_config = 'configs/teachers/resnet20_1xb128_fashion-mnist-5k.py'
teacher_work_dir = 'work_dirs/teachers/resnet20_1xb128_fashion-mnist-5k'
teacher_ckpt = 'work_dirs/teachers/resnet20_1xb128_fashion-mnist-5k/epoch_40.pth'
teacher_early_ckpt = 'work_dirs/teachers/resnet20_1xb128_fashion-mnist-5k/epoch_20.pth'
iekd_stage1_ckpt = 'work_dirs/iekd-stage1_resnet20_1xb128_fashion-mnist-5k/epoch_40.pth'
# the teacher of a student larger than it (IE-KD's Fig. 1(b)): resnet8x0.5 alone, and its IE-KD
# stage 1 (configs/kd/kd_resnet8x0.5_resnet20_*, configs/iekd/iekd*_resnet8x0.5_*)
small_teacher_config = 'configs/baseline/resnet8x0.5_1xb128_fashion-mnist-5k.py'
small_teacher_ckpt = 'work_dirs/resnet8x0.5_1xb128_fashion-mnist-5k/epoch_40.pth'
iekd_stage1_small_teacher_ckpt = ('work_dirs/iekd-stage1_resnet8x0.5_1xb128_fashion-mnist-5k/'
                                  'epoch_40.pth')
takd_assistant_ckpt = 'work_dirs/takd_chain_fashion-mnist-5k/stage1_student.pth'
takd_assistant_how = ('it is the exported student of stage 1: run the chain, `python '
                      'tools/takd_chain.py configs/takd/takd-stage1_resnet20_resnet14_1xb128_'
                      'fashion-mnist-5k.py configs/takd/takd-stage2_resnet14_resnet8x0.5_1xb128_'
                      'fashion-mnist-5k.py --work-dir work_dirs/takd_chain_fashion-mnist-5k`')
