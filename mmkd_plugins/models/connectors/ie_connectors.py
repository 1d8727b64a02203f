"""IE-KD connectors: the auto-encoder of stage 1 and the encoders of stage 2.

Huang et al., "Revisiting Knowledge Distillation: An Inheritance and Exploration Framework",
CVPR 2021. Stage 1 ("compact knowledge extraction") trains an auto-encoder on the frozen teacher's
feature map with a reconstruction loss; its encoder output is the teacher factor F_T. Stage 2
splits the student's feature map by channel into an inheritance part and an exploration part and
maps each part to factor space with its own encoder (same architecture as the stage-1 encoder).

Both halves of the auto-encoder are the official code's "coder" block (``model/auto_encoder.py``
of the official repository): LeakyReLU(0.1), then 3 x [conv3x3, BN, LeakyReLU(0.1)], with
channels c_in -> c_in -> c_out -> c_out. The encoder is coder(c_teacher, c_factor), the decoder
is coder(c_factor, c_teacher) -- ordinary convolutions, not transposed ones -- and every conv is
initialised N(0, sqrt(2 / (9 * c_out))) (He init over the output fan), BN weight 1 and bias 0.
mmrazor's ``Paraphraser`` (Factor Transfer) is the same idea without the leading activation and
with BN optional; IE-KD needs the stage-1 encoder alone, frozen and loaded from a checkpoint,
which ``Paraphraser`` cannot do.
"""
import math
import os.path as osp

import torch
import torch.nn as nn
from mmengine.runner.checkpoint import _load_checkpoint
from mmrazor.models.architectures.connectors.base_connector import BaseConnector
from mmrazor.registry import MODELS

from ...utils import state_dict_mismatch

SPLITS = ('natural', 'random')
PARTS = ('inheritance', 'exploration')


def ie_coder(in_channels, out_channels, negative_slope=0.1):
    """The official IE-KD coder: LeakyReLU, then 3 x [conv3x3, BN, LeakyReLU] with channels
    c_in -> c_in -> c_out -> c_out; convs drawn from N(0, sqrt(2 / (9 c_out))), BN (1, 0)."""
    layers = [nn.LeakyReLU(negative_slope)]
    for cin, cout in ((in_channels, in_channels), (in_channels, out_channels),
                      (out_channels, out_channels)):
        layers += [nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout),
                   nn.LeakyReLU(negative_slope)]
    coder = nn.Sequential(*layers)
    for m in coder.modules():
        if isinstance(m, nn.Conv2d):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return coder


def ie_encoder(in_channels, factor_channels, negative_slope=0.1):
    """Feature map -> factor: ``ie_coder(c_in, c_factor)``."""
    return ie_coder(in_channels, factor_channels, negative_slope)


def ie_decoder(in_channels, factor_channels, negative_slope=0.1):
    """Factor -> reconstruction: ``ie_coder(c_factor, c_in)`` (the encoder's block, reversed
    channels, as the official auto-encoder)."""
    return ie_coder(factor_channels, in_channels, negative_slope)


def _check_channels(name, in_channels, factor_channels):
    for field, value in (('in_channels', in_channels), ('factor_channels', factor_channels)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f'{name}: {field}={value!r} must be a positive int')


def _check_input(name, x, in_channels):
    if x.dim() != 4 or x.shape[1] != in_channels:
        raise ValueError(f'{name}: expected a feature map of shape (B, {in_channels}, H, W) '
                         f'(in_channels={in_channels}), got {tuple(x.shape)}; set in_channels '
                         f'to the channel count of the recorded module')


@MODELS.register_module()
class IEAutoEncoder(BaseConnector):
    """Stage-1 auto-encoder on the teacher's feature map (the paper's "compact knowledge").

    ``forward`` returns the reconstruction; :meth:`encode` returns the factor F_T.

    Args:
        in_channels (int): Channels of the teacher feature map.
        factor_channels (int): Channels of the factor (official CIFAR setting: half of the
            *student's* width at that stage, e.g. 32 for resnet20's 64-channel layer3).
    """

    def __init__(self, in_channels, factor_channels, negative_slope=0.1, init_cfg=None):
        super().__init__(init_cfg)
        _check_channels('IEAutoEncoder', in_channels, factor_channels)
        self.in_channels, self.factor_channels = in_channels, factor_channels
        self.encoder = ie_encoder(in_channels, factor_channels, negative_slope)
        self.decoder = ie_decoder(in_channels, factor_channels, negative_slope)

    def encode(self, x):
        _check_input('IEAutoEncoder', x, self.in_channels)
        return self.encoder(x)

    def forward_train(self, x):
        return self.decoder(self.encode(x))


def load_stage1_encoder(encoder, checkpoint, prefix='auto_encoder.encoder.'):
    """Load the stage-1 encoder weights from ``checkpoint`` (a stage-1 run's checkpoint).

    Raises clear errors when the file is missing, holds no ``prefix`` keys or holds tensors of
    other shapes (e.g. a stage-1 run on another teacher layer or factor size).
    """
    if not checkpoint or not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'IE-KD stage 2: stage-1 checkpoint {checkpoint!r} not found; train stage 1 first '
            f'(tools/train.py configs/iekd/iekd-stage1_*.py) and pass its checkpoint as '
            f'stage1_checkpoint')
    state = _load_checkpoint(checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    found = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not found:
        raise KeyError(f'IE-KD stage 2: {checkpoint} holds no keys starting with {prefix!r}; it '
                       f'is not a stage-1 (IEFactorExtraction) checkpoint. Its first keys: '
                       f'{list(state)[:5]}')
    missing, unexpected, wrong = state_dict_mismatch(encoder.state_dict(), found)
    if missing or unexpected or wrong:
        raise ValueError(f'IE-KD stage 2: the stage-1 encoder in {checkpoint} does not match '
                         f'(in_channels/factor_channels differ?): missing {missing}, unexpected '
                         f'{unexpected}, shape mismatches {wrong}')
    encoder.load_state_dict(found)


@MODELS.register_module()
class IETeacherFactor(BaseConnector):
    """Stage-2 teacher side: the frozen stage-1 encoder, F_T = encoder(teacher feature).

    Always in eval mode (BN statistics of stage 1) and without gradients.

    Args:
        in_channels (int): Channels of the teacher feature map.
        factor_channels (int): Channels of the factor.
        stage1_checkpoint (str, optional): The stage-1 checkpoint to load the encoder from. May be
            None only when the weights come from a resumed stage-2 checkpoint (``load_from``).
        prefix (str): Key prefix of the encoder in that checkpoint.
    """

    def __init__(self, in_channels, factor_channels, stage1_checkpoint=None,
                 prefix='auto_encoder.encoder.', negative_slope=0.1, init_cfg=None):
        super().__init__(init_cfg)
        _check_channels('IETeacherFactor', in_channels, factor_channels)
        self.in_channels = in_channels
        self.encoder = ie_encoder(in_channels, factor_channels, negative_slope)
        if stage1_checkpoint is not None:
            load_stage1_encoder(self.encoder, stage1_checkpoint, prefix)
            self._is_init = True  # keep the loaded weights through init_weights()
        for p in self.encoder.parameters():
            p.requires_grad = False
        self.encoder.eval()

    def train(self, mode=True):
        super().train(mode)
        self.encoder.eval()  # frozen: stage-1 BN statistics
        return self

    def forward_train(self, x):
        _check_input('IETeacherFactor', x, self.in_channels)
        with torch.no_grad():
            return self.encoder(x)


def split_channels(num_channels, split='natural', ratio=0.5, seed=0):
    """Channel indices of the inheritance and exploration parts (a partition of range(C)).

    ``natural``: the first ``round(ratio * C)`` channels inherit, the rest explore. ``random``: the
    same sizes over a permutation fixed by ``seed`` (identical across processes and runs).
    """
    if split not in SPLITS:
        raise ValueError(f'IE-KD: split={split!r} must be one of {SPLITS}')
    if not 0 < ratio < 1:
        raise ValueError(f'IE-KD: ratio={ratio} (the inheritance share of the channels) must be '
                         f'in (0, 1)')
    n_inh = int(round(ratio * num_channels))
    if not 0 < n_inh < num_channels:
        raise ValueError(f'IE-KD: ratio={ratio} of {num_channels} channels leaves an empty part')
    if split == 'natural':
        order = torch.arange(num_channels)
    else:
        order = torch.randperm(num_channels, generator=torch.Generator().manual_seed(seed))
    return order[:n_inh].sort().values, order[n_inh:].sort().values


@MODELS.register_module()
class IEPartEncoder(BaseConnector):
    """Stage-2 student side: pick one part of the student's channels and encode it.

    Two of these, ``part='inheritance'`` and ``part='exploration'`` with the same ``split``,
    ``ratio`` and ``seed``, partition the student's channels exactly.

    Args:
        in_channels (int): Channels of the whole student feature map.
        factor_channels (int): Channels of the teacher factor.
        part (str): 'inheritance' or 'exploration'.
        split (str): 'natural' (halves in channel order) or 'random' (fixed permutation).
        ratio (float): Share of the channels that inherit, in (0, 1). Defaults to 0.5.
        seed (int): Seed of the 'random' permutation.
    """

    def __init__(self, in_channels, factor_channels, part, split='natural', ratio=0.5, seed=0,
                 negative_slope=0.1, init_cfg=None):
        super().__init__(init_cfg)
        _check_channels('IEPartEncoder', in_channels, factor_channels)
        if part not in PARTS:
            raise ValueError(f'IEPartEncoder: part={part!r} must be one of {PARTS}')
        self.in_channels, self.part = in_channels, part
        inh, exp = split_channels(in_channels, split, ratio, seed)
        self.register_buffer('channels', inh if part == 'inheritance' else exp, persistent=True)
        self.encoder = ie_encoder(len(self.channels), factor_channels, negative_slope)

    def forward_train(self, x):
        _check_input(f'IEPartEncoder({self.part})', x, self.in_channels)
        return self.encoder(x.index_select(1, self.channels))
