"""Registration as README says: every hook in mmengine's root HOOKS under its bare name (the old
'mmrazor.EarlyStopKDHook' still builds, and says the new spelling); KDCL ensembles from
KDCL_ENSEMBLES, a fifth one defined here registered by a decorator and used from a config; the
DML configs carry the DDP wrapper their alternating step needs, so any train.py that builds
mmengine's Runner from them wraps the model right."""
import copy
import os
import textwrap
import types

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.model.wrappers import MMDistributedDataParallel
from mmengine.optim import OptimWrapper
from mmengine.registry import HOOKS, MODEL_WRAPPERS, DefaultScope
from mmengine.runner import Runner
from mmpretrain.structures import DataSample
from mmrazor.registry import MODELS

import mmkd_plugins.engine.hooks as our_hooks
from conftest import config_path
from mmkd_plugins.registry import KDCL_ENSEMBLES

DML_CONFIGS = ['dml/dml_2xresnet8_1xb128_fashion-mnist-5k.py',
               'dml/dml_2xresnet20_1xb128_fashion-mnist-5k.py',
               'iekd/iedml_2xresnet8_1xb128_fashion-mnist-5k.py']


@pytest.mark.parametrize('name', our_hooks.__all__)
def test_every_hook_is_in_the_root_registry_under_its_bare_name(name):
    cls = getattr(our_hooks, name)
    assert HOOKS.get(name) is cls  # mmengine's root registry
    with DefaultScope.overwrite_default_scope('mmpretrain'):  # our configs' scope
        from mmpretrain.registry import HOOKS as PRETRAIN_HOOKS
        assert PRETRAIN_HOOKS.get(name) is cls


def test_old_early_stop_spelling_builds_the_hook_and_names_the_new_one():
    from mmkd_plugins.engine.hooks import EarlyStopKDHook
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import HOOKS as PRETRAIN_HOOKS
        with pytest.warns(DeprecationWarning, match="type='EarlyStopKDHook'"):
            hook = PRETRAIN_HOOKS.build(dict(type='mmrazor.EarlyStopKDHook', stop_epoch=3))
        new = PRETRAIN_HOOKS.build(dict(type='EarlyStopKDHook', stop_epoch=3))
    assert type(hook) is EarlyStopKDHook and type(new) is EarlyStopKDHook
    assert hook.stop_epoch == new.stop_epoch == 3
    cfg = Config.fromfile(
        config_path('eskd/eskd-a_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py'))
    assert [h['type'] for h in cfg.custom_hooks] == ['EarlyStopKDHook']


def test_the_four_ensembles_are_registered():
    assert {'Naive', 'Linear', 'MinLogit', 'General'} <= set(KDCL_ENSEMBLES.module_dict)


ENSEMBLE_MODULE = '''
import torch
import torch.nn.functional as F
from mmkd_plugins.registry import KDCL_ENSEMBLES


@KDCL_ENSEMBLES.register_module(force=True)
class SoftmaxWeightedMean(torch.nn.Module):
    """A fifth ensemble: logits averaged with learnable softmax weights, trained by CE."""

    def __init__(self, num_members, init=0.0):
        super().__init__()
        self.num_members = num_members
        self.scores = torch.nn.Parameter(torch.full((num_members, ), float(init)))

    def forward(self, logits, labels):
        w = self.scores.softmax(0)
        return sum(wi * z for wi, z in zip(w, logits))

    def loss(self, logits, labels):
        return F.cross_entropy(self([z.detach() for z in logits], labels), labels)
'''


def test_a_fifth_ensemble_registered_by_a_decorator_works_from_a_config(tmp_path, monkeypatch):
    mod = f'user_ensemble_{os.getpid()}'
    (tmp_path / f'{mod}.py').write_text(ENSEMBLE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))  # where a user's own module would be importable
    cfg_file = tmp_path / 'kdcl_mine.py'
    cfg_file.write_text(textwrap.dedent(f'''
        _base_ = [{config_path('kdcl/kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-5k.py')!r}]
        custom_imports = dict(imports=['mmkd_plugins', {mod!r}], allow_failed_imports=False)
        model = dict(ensemble=dict(_delete_=True, type='SoftmaxWeightedMean', init=0.5))
    '''))
    cfg = Config.fromfile(str(cfg_file))  # applies custom_imports: the decorator runs
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    assert type(model.ensemble).__name__ == 'SoftmaxWeightedMean'
    assert model.ensemble.num_members == 2  # filled in by build_ensemble
    torch.manual_seed(0)
    views = [torch.randn(3, 1, 28, 28) for _ in range(2)]
    samples = [DataSample().set_gt_label(y) for y in (0, 4, 9)]
    y = torch.tensor([0, 4, 9])
    losses = model.loss(views, samples)
    z = [s(v, mode='tensor').detach() for s, v in zip(model.students, views)]
    target = 0.5 * z[0] + 0.5 * z[1]  # equal scores: equal weights
    t = model.temperature
    for i in range(2):
        kl = F.kl_div(F.log_softmax(z[i] / t, 1), F.softmax(target / t, 1), reduction='batchmean')
        assert losses[f'student{i}.loss_kd'].item() == pytest.approx(
            model.kd_weight * t * t * kl.item(), rel=1e-4)
    assert losses['ensemble.loss_ce'].item() == pytest.approx(
        F.cross_entropy(target, y).item(), rel=1e-5)
    losses['ensemble.loss_ce'].backward()  # the ensemble's own parameters learn from its loss
    assert model.ensemble.scores.grad is not None


def test_an_unknown_ensemble_names_the_registry():
    from mmkd_plugins.models.algorithms.kdcl_ensembles import build_ensemble
    with pytest.raises(ValueError, match='KDCL_ENSEMBLES.register_module'):
        build_ensemble(dict(type='NoSuchEnsemble'), 2)


@pytest.mark.parametrize('rel', DML_CONFIGS)
def test_dml_configs_carry_their_ddp_wrapper(rel):
    cfg = Config.fromfile(config_path(rel))
    wrapper = cfg.model_wrapper_cfg
    assert wrapper.type == 'MMKDDistributedDataParallel'
    assert wrapper.find_unused_parameters is True and wrapper.broadcast_buffers is False
    assert 'find_unused_parameters' not in cfg  # one place for it, the wrapper's
    assert MODEL_WRAPPERS.get(wrapper.type) is not None  # the root registry: any scope finds it


class PassThrough(torch.nn.Module):
    def forward(self, data, training=False):
        return data


@pytest.fixture
def gloo_group(tmp_path, monkeypatch):
    """A single-process gloo group (mmengine's launcher needs a GPU; this is the group the
    wrapper runs in), destroyed afterwards."""
    monkeypatch.setenv('LOCAL_RANK', '0')
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store', rank=0,
                            world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def _dml_model():
    cfg = Config.fromfile(config_path(DML_CONFIGS[0]))
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    model.data_preprocessor = PassThrough()  # the batch below is already a tensor
    return cfg, model


def test_the_wrapper_the_dml_config_yields_alternates_through_ddp(gloo_group):
    cfg, model = _dml_model()
    ref = copy.deepcopy(model)
    # what mmengine's Runner.wrap_model does with the config's model_wrapper_cfg in a
    # distributed run (on CPU torch DDP takes no device ids: tools/train.py sets None, as here)
    wrapper_cfg = copy.deepcopy(cfg.model_wrapper_cfg)
    wrapper_cfg['device_ids'] = None
    runner = types.SimpleNamespace(distributed=True, cfg=cfg,
                                   logger=MMLogger.get_current_instance())
    wrapped = Runner.wrap_model(runner, wrapper_cfg, model)
    assert type(wrapped).__name__ == 'MMKDDistributedDataParallel'
    torch.manual_seed(1)
    data = dict(inputs=torch.randn(4, 1, 28, 28),
                data_samples=[DataSample().set_gt_label(y) for y in (0, 3, 3, 7)])
    log = wrapped.train_step(copy.deepcopy(data),
                             OptimWrapper(torch.optim.SGD(wrapped.module.parameters(), lr=0.5)))
    assert {'student0.loss_kd', 'student1.loss_kd'} <= set(log)
    # the same alternating step without DDP (one process: the all-reduce changes nothing)
    ref.train_step(copy.deepcopy(data), OptimWrapper(torch.optim.SGD(ref.parameters(), lr=0.5)))
    got = wrapped.module.state_dict()
    for k, v in ref.state_dict().items():
        assert torch.allclose(got[k].float(), v.float(), atol=1e-6), k
    # mmengine's default wrapper (a config without model_wrapper_cfg) would not alternate
    _, plain_model = _dml_model()
    plain = MMDistributedDataParallel(module=plain_model, device_ids=None,
                                      find_unused_parameters=True)
    with pytest.raises(RuntimeError, match='MMKDDistributedDataParallel'):
        plain.train_step(copy.deepcopy(data),
                         OptimWrapper(torch.optim.SGD(plain.module.parameters(), lr=0.5)))
