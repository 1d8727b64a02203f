"""Mixed precision on CPU: every method's losses under torch.autocast('cpu', bfloat16) are finite
and within 5 % (relative; 0.05 absolute for terms near 0, 0.2 for Hinton KD's T^2-scaled KL: with
T = 4 the KL between the nearly equal outputs of a stand-in teacher and the resnet8x0.5 student
is 0.008 in fp32 and 0.12 when the logits are rounded to bf16's 8-bit mantissa, i.e. 0.0005 and
0.008 before the x16) of fp32 on the same weights and batch,
and what must stay fp32 stays fp32 (PS-KD's memory, the ensemble targets' weights).
mmengine's AmpOptimWrapper asserts a GPU; `tools/train.py --amp` is for GPUs (see README)."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

from conftest import config_path, families, standin_checkpoints

FAMILIES = families('plain', 'pskd-memory', 'kdcl-minlogit', 'kdcl-linear', 'kdcl-naive',
                    'dml-alternate', 'iedml', 'kd', 'fitnets', 'at', 'iekd-stage1',
                    'iekd-stage2', 'iekd-ft')


def build(rel, tmp_path):
    cfg = Config.fromfile(config_path(rel))
    torch.manual_seed(0)
    standin_checkpoints(cfg, tmp_path)
    model_cfg = cfg.model
    if 'data_preprocessor' not in model_cfg and cfg.get('data_preprocessor'):
        model_cfg = dict(model_cfg, data_preprocessor=dict(cfg.data_preprocessor))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(model_cfg)
    if hasattr(model, 'build_memory'):
        model.build_memory(16)
        model.set_alpha(1, 2)
    if getattr(model, 'alternate', False):
        model.alternate = False  # the joint loss: every network's terms in one dict
    model.eval()  # BN on running statistics: the same function in both precisions
    return model


@pytest.mark.parametrize('family', list(FAMILIES))
def test_bf16_autocast_losses_are_finite_and_close_to_fp32(family, tmp_path):
    model = build(FAMILIES[family], tmp_path)
    torch.manual_seed(1)
    x = torch.randn(16, 1, 28, 28)
    samples = [DataSample(metainfo=dict(sample_idx=i)).set_gt_label(i % 10) for i in range(16)]
    inputs = [x, x.flip(-1)] if 'kdcl' in family else x
    if hasattr(model, 'memory') and model.memory is not None:  # a written row to read back
        model.memory.write(torch.arange(16), torch.softmax(torch.randn(16, 10), 1))
    with torch.no_grad():
        ref = model.loss(inputs, copy.deepcopy(samples))
        with torch.autocast('cpu', dtype=torch.bfloat16):
            low = model.loss(inputs, copy.deepcopy(samples))
    assert ref.keys() == low.keys()
    for k, v in ref.items():
        lv = low[k].float()
        assert torch.isfinite(lv).all(), (family, k)
        tol = 0.2 if k.endswith('loss_kl') else 0.05
        assert lv.item() == pytest.approx(v.float().item(), rel=0.05, abs=tol), (family, k)
    if family == 'pskd-memory':
        assert model.memory.probs.dtype == torch.float32
    if family == 'kdcl-linear':
        assert model.ensemble.weights.dtype == torch.float32
