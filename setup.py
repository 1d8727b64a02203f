from setuptools import find_packages, setup

setup(
    name='mmkd-plugins',
    version='0.1.0',
    description='Knowledge-distillation plugins (PS-KD, KDCL, IE-KD and classic KD) for the '
    'OpenMMLab stack',
    packages=find_packages(include=['mmkd_plugins', 'mmkd_plugins.*']),
    python_requires='>=3.11',
    # The stack is pinned in constraints.txt and installed by scripts/install.sh (mmcv needs a
    # source build with ops); we only declare what we import.
    install_requires=[
        'torch', 'mmengine==0.10.7', 'mmcv==2.1.0', 'mmpretrain==1.2.0', 'mmrazor==1.0.0',
        'mmdet==3.3.0', 'joblib'
    ],
)
