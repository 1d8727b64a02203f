# Runtime shared by every mmkd-plugins config: mmpretrain's runtime plus our plugin import.
_base_ = 'mmpretrain::_base_/default_runtime.py'

# Registers mmkd-plugins' models, datasets, hooks and metrics (and applies the stack fixes);
# this is what makes these configs run under mmpretrain's own tools/train.py too.
custom_imports = dict(imports=['mmkd_plugins'], allow_failed_imports=False)

# rng_state: RNG states in every checkpoint, exact --resume also inside an epoch (RNGStateHook)
default_hooks = dict(
    rng_state=dict(type='RNGStateHook'),
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3, save_best='auto'))

# Visualisation: mmpretrain's UniversalVisualizer with the local backend (vis_data/scalars.json,
# plotted by `mim run mmpretrain analyze_logs plot_curve`). TensorBoard too: configs/_base_/tensorboard.py.
