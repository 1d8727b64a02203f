# TensorBoard next to the local JSON/log files. Add this file last to a config's _base_:
#     _base_ = ['../pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py', '../_base_/tensorboard.py']
# or switch it on from the command line, without a new config:
#     python tools/train.py CONFIG --cfg-options \
#         visualizer.vis_backends="[dict(type='LocalVisBackend'),dict(type='TensorboardVisBackend')]"
# Events go to WORK_DIR/<timestamp>/vis_data/ (tensorboard --logdir work_dirs). mmengine's
# TensorboardVisBackend needs the `tensorboard` package (in scripts/install.sh).
visualizer = dict(
    type='UniversalVisualizer',
    vis_backends=[dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')])
