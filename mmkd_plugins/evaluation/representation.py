"""Representation analysis used by IE-KD (Huang et al., CVPR 2021, Sec. 4.4): linear CKA between
layers and the number of active neurons (channels) of a feature map.

Linear CKA (Kornblith et al., ICML 2019, Eq. 5 with a linear kernel): for n examples with
representations X (n x p) and Y (n x q), column-centred,

    CKA(X, Y) = ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F),

computed here through the n x n Gram matrices (HSIC form) so wide feature maps cost O(n^2 p).
It is 1 for X against itself and invariant to orthogonal transforms and isotropic scaling.

A channel is *active* when its mean activation over the data and spatial positions exceeds
``threshold`` (maps after ReLU are non-negative; the paper counts the responding neurons of the
teacher, the inheritance part and the exploration part).
"""
import torch
from mmengine.registry import DefaultScope
from mmengine.utils import ProgressBar
from mmrazor.models.task_modules import RecorderManager


def linear_cka(x, y):
    """Linear CKA of two representations of the same n examples (n x ..., flattened)."""
    x = x.reshape(x.shape[0], -1).double()
    y = y.reshape(y.shape[0], -1).double()
    if x.shape[0] != y.shape[0] or x.shape[0] < 2:
        raise ValueError(f'linear_cka: need the same n >= 2 examples, got {x.shape[0]} and '
                         f'{y.shape[0]}')
    x = x - x.mean(0, keepdim=True)
    y = y - y.mean(0, keepdim=True)
    k, l = x @ x.T, y @ y.T
    hsic = (k * l).sum()
    return float(hsic / (k.pow(2).sum().sqrt() * l.pow(2).sum().sqrt()))


def cka_matrix(feats_a, feats_b):
    """CKA of every pair: rows the representations in ``feats_a``, columns those in ``feats_b``."""
    return torch.tensor([[linear_cka(a, b) for b in feats_b] for a in feats_a])


def channel_activity(feature):
    """Mean activation per channel over samples and positions (B x C x ... -> C)."""
    if feature.dim() < 2:
        raise ValueError(f'channel_activity: expected (B, C, ...), got {tuple(feature.shape)}')
    return feature.transpose(0, 1).reshape(feature.shape[1], -1).float().mean(1)


def count_active_neurons(feature, threshold=0.0):
    """Number of channels whose mean activation is > ``threshold``."""
    return int((channel_activity(feature) > threshold).sum())


def parse_spec(model, spec):
    """``'module'`` or ``'module@buffer'`` -> (module name, channel index tensor or None).

    ``architecture.backbone.layer3@distiller.connectors.inheritance.channels`` is the student's
    layer3 restricted to the channels of its IE-KD inheritance part.
    """
    name, _, buffer = spec.partition('@')
    modules = dict(model.named_modules())
    if name not in modules:
        raise ValueError(f'{spec!r}: {name!r} is not a module of {type(model).__name__}; e.g. '
                         f'{[n for n in modules if n.count(".") <= 2][:15]}')
    channels = None
    if buffer:
        tensors = dict(model.named_buffers())
        if buffer not in tensors:
            raise ValueError(f'{spec!r}: {buffer!r} is not a buffer of the model; IE-KD parts are '
                             f"e.g. 'distiller.connectors.inheritance.channels'")
        channels = tensors[buffer].long()
    return name, channels


@torch.no_grad()
def collect_features(model, dataloader, specs, num_samples=1000, mode='tensor',
                     progress=False):
    """Run ``model`` in eval mode on up to ``num_samples`` examples and return, per spec, the
    recorded outputs (concatenated over batches, channel-selected for ``module@buffer``).

    ``mode='loss'`` runs the model's loss path, which is where a distiller calls its connectors
    (IE-KD factors); ``'tensor'`` is enough for backbone layers. ``progress`` shows mmengine's
    progress bar (images done / ``num_samples``).
    """
    parsed = [parse_spec(model, s) for s in specs]
    names = sorted({n for n, _ in parsed})
    with DefaultScope.overwrite_default_scope('mmrazor'):
        recorders = RecorderManager({f'r{i}': dict(type='ModuleOutputs', source=n)
                                     for i, n in enumerate(names)})
    recorders.initialize(model)
    key = {n: f'r{i}' for i, n in enumerate(names)}
    out = {s: [] for s in specs}
    seen = 0
    bar = ProgressBar(num_samples) if progress else None
    model.eval()
    for batch in dataloader:
        data = model.data_preprocessor(batch, False)
        with recorders:
            model(data['inputs'], data['data_samples'], mode=mode)
            for spec, (name, channels) in zip(specs, parsed):
                feat = recorders.get_recorder(key[name]).get_record_data()
                if isinstance(feat, (list, tuple)):
                    feat = feat[-1]
                if channels is not None:
                    feat = feat.index_select(1, channels.to(feat.device))
                out[spec].append(feat.float().cpu())
        n = min(len(data['data_samples']), num_samples - seen)
        seen += n
        if bar is not None:
            bar.update(n)
        if seen >= num_samples:
            break
    if bar is not None:
        print(flush=True)
    return {s: torch.cat(v)[:num_samples] for s, v in out.items()}


def load_for_analysis(config, checkpoint=None, cfg_options=None, work_dir=None, loader='test'):
    """(model with ``checkpoint`` loaded, dataloader ``loader``) from a config, via a Runner so
    scopes, custom imports and datasets resolve as in training."""
    import tempfile

    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = work_dir or tempfile.mkdtemp(prefix='mmkd_analysis_')
    cfg.load_from, cfg.resume = None, False
    loader_cfg = cfg.get(f'{loader}_dataloader')
    if loader_cfg is None:
        raise ValueError(f'{config} has no {loader}_dataloader')
    runner = Runner.from_cfg(cfg)
    if checkpoint:
        runner.load_checkpoint(checkpoint, map_location='cpu', strict=True)
    return runner.model, runner.build_dataloader(loader_cfg)
