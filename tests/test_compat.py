"""Each stack fix of mmkd_plugins.compat: the failure without it (in a fresh interpreter that does
not import mmkd_plugins) and the success with it alone."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from conftest import config_path, shrink
from test_datasets import needs_data


COMPAT_PY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         'mmkd_plugins', 'compat.py')
# Loads compat.py alone, as module `compat`: `import mmkd_plugins` would apply every fix.
LOAD_COMPAT = f"""
import importlib.util as _u
_spec = _u.spec_from_file_location('compat', {COMPAT_PY!r})
compat = _u.module_from_spec(_spec)
_spec.loader.exec_module(compat)
"""


def run_py(code):
    """Run ``code`` in a fresh interpreter (``compat`` loaded, no fix applied)."""
    code = LOAD_COMPAT + textwrap.dedent(code)
    assert 'import mmkd_plugins' not in code and 'from mmkd_plugins' not in code
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, PYTHONWARNINGS='ignore'))
    return proc.returncode, proc.stdout + proc.stderr


# 1. mmrazor imports under torch 2.14 ------------------------------------------------------------

def test_mmrazor_fails_to_import_without_the_fix():
    rc, out = run_py('import mmrazor.models')
    assert rc != 0 and 'is not installed properly' in out, out[-2000:]


def test_restoring_torch_ao_helpers_makes_mmrazor_import():
    rc, out = run_py("""
        compat.restore_torch_ao_helpers()
        import mmrazor.models
        from mmrazor.registry import MODELS
        assert MODELS.get('SingleTeacherDistill') is not None
        print('OK')
    """)
    assert rc == 0 and 'OK' in out, out[-2000:]


def test_restored_fusers_have_torch_113_semantics():
    import torch.ao.quantization.fuser_method_mappings as fmm
    seen = []
    fmm.reverse2(lambda q, a, b: seen.append((q, a, b)))(True, 'x', 'y')
    fmm.reverse3(lambda q, a, b, c: seen.append((q, a, b, c)))(False, 'x', ('y', 'z'))
    assert seen == [(True, 'y', 'x'), (False, 'z', 'y', 'x')]
    seq = fmm.reverse_sequential_wrapper2(torch.nn.Sequential)(False, torch.nn.ReLU(),
                                                                torch.nn.Identity())
    assert isinstance(seq[0], torch.nn.Identity) and isinstance(seq[1], torch.nn.ReLU)


# 2. mmengine checkpoints load under weights_only --------------------------------------------------

@pytest.fixture(scope='module')
def mmengine_checkpoint(tmp_path_factory):
    if not os.path.isfile('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'):
        pytest.skip("Debian package 'dataset-fashion-mnist' is not installed")
    work = tmp_path_factory.mktemp('ckpt')
    cfg = shrink(Config.fromfile(config_path('baseline/resnet20_1xb128_fashion-mnist.py')), work)
    Runner.from_cfg(cfg).train()
    return str(work / 'epoch_1.pth')


@needs_data
def test_mmengine_checkpoint_fails_without_the_allow_list(mmengine_checkpoint):
    rc, out = run_py(f"""
        from mmengine.runner import load_checkpoint
        import torch
        load_checkpoint(torch.nn.Linear(1, 1), {mmengine_checkpoint!r}, strict=False)
    """)
    assert rc != 0 and 'Weights only load failed' in out, out[-2000:]


@needs_data
def test_allow_list_alone_makes_it_load(mmengine_checkpoint):
    rc, out = run_py(f"""
        compat.allow_mmengine_checkpoint_globals()
        from mmengine.runner.checkpoint import CheckpointLoader
        ckpt = CheckpointLoader.load_checkpoint({mmengine_checkpoint!r}, map_location='cpu')
        hub = ckpt['message_hub']
        print('OK', sorted(ckpt), type(hub['log_scalars']['train/loss']).__name__)
    """)
    assert rc == 0 and 'OK' in out and 'HistoryBuffer' in out, out[-2000:]


class _Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned',))


def test_allow_list_keeps_the_unpickler_safe(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'x': _Evil()}, path)
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path)


# 3. no silent pip install -------------------------------------------------------------------------

PIP_RECORDER = """
    import mmengine.utils.package_utils as pu
    def record(cmd):
        raise RuntimeError('PIP CALLED: ' + ' '.join(cmd))
    pu.call_command = record
"""


def test_mmengine_would_pip_install_a_missing_scope():
    rc, out = run_py(PIP_RECORDER + """
    from mmengine.hub import get_config
    get_config('mmcls::resnet/resnet18_8xb16_cifar10.py')
    """)
    assert rc != 0 and 'PIP CALLED' in out and 'install mmcls' in out, out[-2000:]


def test_missing_scope_is_a_clear_error_not_an_install():
    rc, out = run_py(PIP_RECORDER + """
    compat.forbid_silent_pip_install()
    PackageNotInstalledError = compat.PackageNotInstalledError
    from mmengine.hub import get_config, get_model
    for fn in (get_config, get_model):
        try:
            fn('mmcls::resnet/resnet18_8xb16_cifar10.py')
        except PackageNotInstalledError as e:
            assert 'mmcls' in str(e) and 'mmpretrain' in str(e), e
        else:
            raise AssertionError('no error')
    print('OK')
    """)
    assert rc == 0 and 'OK' in out and 'PIP CALLED' not in out, out[-2000:]


def test_installed_scope_still_resolves():
    from mmengine.hub import get_config
    cfg = get_config('mmpretrain::resnet/resnet18_8xb16_cifar10.py')
    assert cfg.model.backbone.type == 'ResNet_CIFAR'


def test_restricted_getattr_refuses_anything_but_history_buffer_statistics(tmp_path):
    import pickle
    path = str(tmp_path / 'getattr.pth')

    class Reach:

        def __reduce__(self):
            import numpy
            return (getattr, (numpy.ndarray, 'tofile'))  # ndarray itself is allowed

    torch.save({'x': Reach()}, path)
    with pytest.raises(pickle.UnpicklingError, match=r"getattr\(.*tofile"):
        torch.load(path)


# 4. mmrazor algorithms over mmpretrain models ----------------------------------------------------

DISTILL = """
    compat.restore_torch_ao_helpers()
    {fix}
    import torch
    from mmengine.registry import init_default_scope
    from mmpretrain.structures import DataSample
    from mmrazor.registry import MODELS
    init_default_scope('mmrazor')
    arch = {arch}
    fc = dict(type='ModuleOutputs', source='head.fc')
    model = MODELS.build(dict(
        type='SingleTeacherDistill', architecture=arch, teacher=arch,
        distiller=dict(
            type='ConfigurableDistiller', student_recorders=dict(fc=fc),
            teacher_recorders=dict(fc=fc),
            distill_losses=dict(loss_kl=dict(type='KLDivergence', tau=4)),
            loss_forward_mappings=dict(loss_kl=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc'))))))
    data = dict(inputs=[torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8)] * 2,
                data_samples=[DataSample().set_gt_label(1) for _ in range(2)])
    losses = model(**model.data_preprocessor(data, True), mode='loss')
    print('LOSSES', sorted(losses), type(model.architecture).__name__)
"""
TYPE_ARCH = """dict(type='mmpretrain.ImageClassifier',
                backbone=dict(type='ResNet_CIFAR', depth=18),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=10, in_channels=512))"""
FIX = 'compat.bridge_mmrazor_to_mmpretrain()'


def test_type_prefixed_mmpretrain_architecture_fails_without_the_bridge():
    rc, out = run_py(DISTILL.format(fix='', arch=TYPE_ARCH))
    assert rc != 0 and 'is not in the mmrazor::model registry' in out, out[-2000:]


def test_type_prefixed_mmpretrain_architecture_builds_with_the_bridge():
    rc, out = run_py(DISTILL.format(fix=FIX, arch=TYPE_ARCH))
    assert rc == 0 and "LOSSES ['distill.loss_kl', 'student.loss'] ImageClassifier" in out, \
        out[-2000:]


def test_cfg_path_mmpretrain_architecture_builds():
    arch = "dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10.py', pretrained=False)"
    rc, out = run_py(DISTILL.format(fix=FIX, arch=arch))
    assert rc == 0 and "LOSSES ['distill.loss_kl', 'student.loss'] ImageClassifier" in out, \
        out[-2000:]


def test_explicit_scope_is_left_alone():
    from mmengine.registry import DefaultScope
    from mmrazor.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmrazor'):
        model = MODELS.build(dict(type='CIFARResNet', _scope_='mmpretrain'))
    assert type(model).__name__ == 'CIFARResNet'


def test_mmrazor_feature_losses_take_channels_last_maps():
    """mmrazor's own methods use .view and fail on a channels-last map; the patched ones give
    the NCHW values for both layouts."""
    import torch.nn.functional as F
    from mmrazor.models.losses import ATLoss, FTLoss, L2Loss
    torch.manual_seed(0)
    s, t = torch.randn(4, 8, 5, 5), torch.randn(4, 8, 5, 5)
    s_cl, t_cl = (x.contiguous(memory_format=torch.channels_last) for x in (s, t))
    with pytest.raises(RuntimeError, match='view size is not compatible'):
        s_cl.view(s_cl.size(0), -1)  # what mmrazor 1.0.0 does
    ref_ft = (F.normalize(s.flatten(1)) - F.normalize(t.flatten(1))).abs().mean()
    ref_at = (F.normalize(s.pow(2).mean(1).flatten(1))
              - F.normalize(t.pow(2).mean(1).flatten(1))).pow(2).mean()
    for a, b in ((s, t), (s_cl, t_cl)):
        assert torch.allclose(FTLoss()(a, b), ref_ft, atol=1e-6)
        assert torch.allclose(ATLoss()(a, b), ref_at, atol=1e-7)
        assert torch.isfinite(L2Loss(normalize=True)(a, b))
    assert torch.allclose(L2Loss(normalize=True)(s, t), L2Loss(normalize=True)(s_cl, t_cl))


# 6. mmengine's package lookups without pkg_resources (setuptools >= 81) -----------------------

# pkg_resources made unimportable, as on a machine with setuptools >= 81
NO_PKG_RESOURCES = """
import sys
sys.modules['pkg_resources'] = None
"""


def run_without_pkg_resources(code):
    return run_py(NO_PKG_RESOURCES + textwrap.dedent(code))


def test_config_scopes_fail_without_pkg_resources():
    rc, out = run_without_pkg_resources("""
        from mmengine.utils import is_installed
        is_installed('mmpretrain')
    """)
    assert rc != 0 and 'pkg_resources' in out, out[-2000:]


# mmengine's three lookups on a few packages, printed as one JSON line
LOOKUPS = """
import json
from mmengine.utils import package_utils as pu
names = ['mmpretrain', 'mmengine', 'mmcv', 'mmdet', 'mmrazor', 'torch', 'numpy']
print(json.dumps(dict(installed=[pu.is_installed(n) for n in names + ['no_such_package_x']],
                      paths=[pu.get_installed_path(n) for n in names],
                      modules=[pu.package2module(n) for n in ('mmcv', 'mmpretrain')])))
"""


def test_package_lookups_answer_as_pkg_resources_did():
    """The reference: mmengine's own functions, run while pkg_resources (setuptools < 81 here) is
    still importable; then the fix's answers with pkg_resources gone."""
    rc, out = run_py('import warnings\nwarnings.simplefilter("ignore")\n' + LOOKUPS)
    assert rc == 0, out[-2000:]
    ref = json.loads(out.strip().splitlines()[-1])
    rc, out = run_without_pkg_resources(textwrap.dedent("""
        import warnings
        warnings.simplefilter('error')  # no deprecation warning either
        compat.find_packages_without_pkg_resources()
        import mmengine.config.config as cc, mmengine.utils.package_utils as pu
        assert cc.is_installed is pu.is_installed and cc.get_installed_path is pu.get_installed_path
    """) + LOOKUPS)
    assert rc == 0, out[-2000:]
    got = json.loads(out.strip().splitlines()[-1])
    assert got == ref
    assert ref['installed'][-1] is False and all(ref['installed'][:-1])


def test_mmpretrain_scoped_base_loads_without_pkg_resources():
    rc, out = run_without_pkg_resources("""
        compat.find_packages_without_pkg_resources()
        from mmengine.config import Config
        cfg = Config.fromfile(%r)
        assert cfg.default_scope == 'mmpretrain' and 'ImageClassifier' in cfg.model.type
        print('OK')
    """ % os.path.join(os.path.dirname(COMPAT_PY), '..', 'configs', 'baseline',
                       'resnet8_1xb128_fashion-mnist-5k.py'))
    assert rc == 0 and 'OK' in out, out[-2000:]


def test_readme_lists_every_stack_fix():
    """README's "Stack fixes" list has one item per fix that compat.apply() applies."""
    import ast
    import re
    tree = ast.parse(open(COMPAT_PY).read())
    apply = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == 'apply')
    fixes = [n.value.func.id for n in apply.body if isinstance(n, ast.Expr)
             and isinstance(n.value, ast.Call)]
    readme = open(os.path.join(os.path.dirname(COMPAT_PY), '..', 'README.md')).read()
    section = readme.split('## Stack fixes', 1)[1].split('\n## ', 1)[0]
    items = re.findall(r'^(\d+)\. ', section, flags=re.M)
    assert items == [str(i) for i in range(1, len(fixes) + 1)], (items, fixes)
    for name in fixes:
        assert f'`{name}`' in section, name


def test_each_config_is_formatted_once_with_the_same_text(monkeypatch):
    """Without the fix every read of ``pretty_text`` (each checkpoint of a run) runs yapf."""
    import mmengine.config.config as config
    from mmengine.config import Config
    from mmkd_plugins import compat
    yapf = getattr(config.FormatCode, 'original', config.FormatCode)
    calls = []

    def counted(text, *args, **kwargs):
        calls.append(text)
        return yapf(text, *args, **kwargs)

    monkeypatch.setattr(config, 'FormatCode', counted)  # restored after the test
    compat.format_each_config_once()  # a fresh memo around the counting yapf
    assert config.FormatCode.mmkd_memoised and config.FormatCode.original is counted
    cfg = Config(dict(model=dict(type='X', depth=[1, 2, 3]), lr=0.1))
    texts = [cfg.pretty_text for _ in range(3)]
    assert len(calls) == 1 and texts[0] == texts[1] == texts[2]
    assert texts[0] == yapf(calls[0], style_config=dict(
        based_on_style='pep8', blank_line_before_nested_class_or_def=True,
        split_before_expression_after_opening_paren=True))[0]  # yapf's own output
    assert Config(dict(lr=0.2)).pretty_text != texts[0] and len(calls) == 2
