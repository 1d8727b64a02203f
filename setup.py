import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))
# What `mim` looks for inside an installed OpenMMLab package (mim train/test/run/search).
MIM_FILES = ['configs', 'tools', 'model-index.yml']


def add_mim_extension():
    """Put configs/, tools/ and model-index.yml under mmkd_plugins/.mim/, as mmpretrain does.

    An editable install (``pip install -e .``) links them, so mim always sees the checkout; a
    wheel or sdist build copies them, so the installed package carries its own.
    """
    editable = any(a == 'develop' or 'editable' in a for a in sys.argv)
    building = any(a in ('build', 'build_py', 'sdist', 'install') or 'wheel' in a
                   for a in sys.argv)
    if not (editable or building):  # egg_info, dist_info, --version, ...
        return
    mim_root = osp.join(HERE, 'mmkd_plugins', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(HERE, name), osp.join(mim_root, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if editable:
            os.symlink(osp.relpath(src, mim_root), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copyfile(src, dst)


add_mim_extension()

setup(
    name='mmkd-plugins',
    version='0.1.0',
    description='Knowledge-distillation plugins (PS-KD, KDCL, IE-KD and classic KD) for the '
    'OpenMMLab stack',
    packages=find_packages(include=['mmkd_plugins', 'mmkd_plugins.*']),
    include_package_data=True,
    package_data={'mmkd_plugins': ['.mim/model-index.yml', '.mim/configs/**/*',
                                   '.mim/tools/**/*']},
    python_requires='>=3.11',
    # The stack is pinned in constraints.txt and installed by scripts/install.sh. Classification
    # and distillation by default; mmcv comes as one of two distributions that share the `mmcv`
    # import name (install one, never both): `[lite]` (mmcv-lite, pure Python: everything but
    # detection) or `[detection]` (mmcv with its compiled ops, built from source, and mmdet).
    install_requires=['torch', 'mmengine==0.10.7', 'mmpretrain==1.2.0', 'mmrazor==1.0.0',
                      'joblib'],
    extras_require={
        'lite': ['mmcv-lite==2.1.0'],
        'detection': ['mmcv==2.1.0', 'mmdet==3.3.0'],
        # benchmarks/speed/bench_peer.py only: the peer toolbox our KD step is timed against
        'peer': ['torchdistill==1.1.5', 'cython'],
    },
)
