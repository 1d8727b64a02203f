"""The two install levels (scripts/install.sh lite | full; README "Install"): a detection config
run on the classification install (mmcv-lite: no compiled ops, no mmdet) stops with one line
naming the command that adds detection; classification configs are not stopped.

The classification install is stood in for by hiding ``mmdet`` and ``mmcv._ext`` from the
import system (a ``sitecustomize`` on PYTHONPATH), which is what that install lacks; the real
install of both levels and the switch between them were measured by hand (README "Install")."""
import os
import subprocess
import sys

import pytest
from mmengine.config import Config

from conftest import REPO, config_path
from mmkd_plugins.cli import ToolError, importable, require_stack

HIDE = '''
import importlib.abc, sys
class _Lite(importlib.abc.MetaPathFinder):
    """The classification install: no mmdet, no mmcv compiled ops."""
    def find_spec(self, name, path=None, target=None):
        if name == 'mmdet' or name.startswith('mmdet.') or name == 'mmcv._ext':
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _Lite())
'''


def lite_env(tmp_path):
    (tmp_path / 'sitecustomize.py').write_text(HIDE)
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    env.pop('MMKD_TRACEBACK', None)
    return env


@pytest.mark.parametrize('tool,config', [
    ('tools/train.py', 'detection/retinanet_r18_fpn_shapes-tiny.py'),  # custom_imports mmdet
    ('tools/test.py', 'detection/faster-rcnn_r50_fpn_1x_coco_distilled.py'),  # an mmdet:: base
])
def test_detection_config_on_the_classification_install_names_the_command(tmp_path, tool,
                                                                           config):
    args = [sys.executable, tool, config_path(config)]
    if tool.endswith('test.py'):
        ckpt = tmp_path / 'x.pth'
        ckpt.write_bytes(b'')
        args.append(str(ckpt))
    proc = subprocess.run(args, cwd=REPO, env=lite_env(tmp_path), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert 'Traceback' not in proc.stderr
    last = lines[-1]
    assert last.startswith(f'{os.path.basename(tool)}: error: ') and 'detection config' in last
    assert 'make demo-detection' in last and 'mmkd-plugins[detection]' in last


def test_the_stand_in_hides_what_the_classification_install_lacks(tmp_path):
    code = ('import importlib.util as u\n'
            'def found(name):\n'
            '    try:\n'
            '        return u.find_spec(name) is not None\n'
            '    except ImportError:\n'
            '        return False\n'
            'print(*[found(n) for n in ("mmdet", "mmcv._ext", "mmcv.cnn", "mmpretrain", '
            '"mmrazor")])')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO, env=lite_env(tmp_path),
                         capture_output=True, text=True, timeout=120).stdout.split()
    assert out == ['False', 'False', 'True', 'True', 'True']


def test_require_stack_passes_classification_configs_and_a_full_install():
    cls = Config.fromfile(config_path('pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py'))
    require_stack(cls, 'pskd.py')  # not a detection config: nothing to check
    det = Config(dict(default_scope='mmdet'))
    if importable('mmdet') and importable('mmcv._ext'):  # this (full) install
        require_stack(det, 'det.py')
    else:
        with pytest.raises(ToolError, match='make demo-detection'):
            require_stack(det, 'det.py')


def test_without_any_mmcv_the_import_names_the_two_extras(tmp_path):
    """``pip install mmkd-plugins`` without an extra has no mmcv: importing the package says
    which extra to add instead of failing deep inside mmengine."""
    (tmp_path / 'sitecustomize.py').write_text(HIDE.replace(
        "name == 'mmcv._ext'", "name == 'mmcv' or name.startswith('mmcv.')"))
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run([sys.executable, '-c', 'import mmkd_plugins'], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('ImportError: mmkd-plugins needs mmcv')
    assert 'mmkd-plugins[lite]' in last and 'mmkd-plugins[detection]' in last
