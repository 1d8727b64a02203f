"""Fill the wheel folder that tools/gpu_check.sh installs on a GPU machine with no package index.

    python tools/misc/gpu_wheels.py WHEEL_DIR [--python-version 3.12] [--max-mib 56]
    python tools/misc/gpu_wheels.py WHEEL_DIR --check      # only check what is there
    python tools/misc/gpu_wheels.py WHEEL_DIR --print      # the pip command, download nothing

Downloads (``pip download --no-deps --only-binary=:all: --python-version V``) the pure-Python
OpenMMLab stack for that Python -- mmengine, ``mmcv-lite`` (mmcv without compiled ops: an
mmcv-with-ops wheel is built for one Python and torch and would not load on another, so the
detection configs are skipped there), mmpretrain, mmrazor -- and the small packages they import
that a CUDA image of torch usually lacks; copies the four Fashion-MNIST ``.gz`` files (Debian
package ``dataset-fashion-mnist``) into ``WHEEL_DIR/fashion-mnist``; and checks that the folder
stays under ``--max-mib`` (what the GPU machine can be sent alongside the repository). Our own
package travels with the checkout, not as a wheel.
"""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys

from mmkd_plugins.cli import ArgumentParser, ToolError, run

PACKAGES = [
    'mmengine==0.10.7', 'mmcv-lite==2.1.0', 'mmpretrain==1.2.0', 'mmrazor==1.0.0',
    'addict==2.4.0', 'termcolor==3.3.0', 'yapf==0.43.0', 'platformdirs==4.14.9',
    'mat4py==0.6.0', 'ordered-set==4.1.0', 'importlib-metadata==8.7.0',
]
DATA_ROOT = '/usr/share/datasets/fashion-mnist'
DATA_FILES = ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
              't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')


def pip_command(wheel_dir, python_version):
    return [sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:',
            '--python-version', python_version, '--implementation', 'cp',
            '--platform', 'manylinux2014_x86_64', '--platform', 'any', '-d', wheel_dir,
            *PACKAGES]


def folder_mib(path):
    total = sum(osp.getsize(f) for f in glob.glob(osp.join(path, '**', '*'), recursive=True)
                if osp.isfile(f))
    return total / 2 ** 20


def check(wheel_dir, max_mib):
    """Raise ToolError unless every package has its wheel, the data is there and the folder
    fits; returns the folder's size in MiB."""
    wheels = [osp.basename(w).lower() for w in glob.glob(osp.join(wheel_dir, '*.whl'))]
    missing = [p for p in PACKAGES
               if not any(w.startswith(p.split('==')[0].replace('-', '_') + '-') for w in wheels)]
    if missing:
        raise ToolError(f'{wheel_dir}: no wheel for {missing}; run python '
                        f'tools/misc/gpu_wheels.py {wheel_dir}')
    data = [f for f in DATA_FILES if not osp.isfile(osp.join(wheel_dir, 'fashion-mnist', f))]
    if data:
        raise ToolError(f'{wheel_dir}/fashion-mnist lacks {data}; run python '
                        f'tools/misc/gpu_wheels.py {wheel_dir} (copies them from {DATA_ROOT})')
    size = folder_mib(wheel_dir)
    if size > max_mib:
        raise ToolError(f'{wheel_dir} holds {size:.1f} MiB, over --max-mib {max_mib:g}: remove '
                        'what tools/gpu_check.sh does not need (extra wheels)')
    return size


def main(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('wheel_dir', help='the folder to fill (created if missing)')
    p.add_argument('--python-version', default='3.12', help="the GPU machine's Python")
    p.add_argument('--max-mib', type=float, default=56.0,
                   help='largest folder allowed, MiB (default 56: the GPU machine takes 64 '
                   'with the repository)')
    group = p.add_mutually_exclusive_group()
    group.add_argument('--check', action='store_true', help='download nothing; check the folder')
    group.add_argument('--print', action='store_true', help='print the pip command and stop')
    args = p.parse_args(argv)
    if args.print:
        print(' '.join(pip_command(args.wheel_dir, args.python_version)))
        return 0
    if not args.check:
        os.makedirs(osp.join(args.wheel_dir, 'fashion-mnist'), exist_ok=True)
        if subprocess.run(pip_command(args.wheel_dir, args.python_version)).returncode:
            raise ToolError('pip download failed (is a package index reachable?)')
        for f in DATA_FILES:
            src = osp.join(DATA_ROOT, f)
            if not osp.isfile(src):
                raise ToolError(f'{src} not found: install the Debian package '
                                'dataset-fashion-mnist (apt-get install dataset-fashion-mnist)')
            shutil.copyfile(src, osp.join(args.wheel_dir, 'fashion-mnist', f))
    size = check(args.wheel_dir, args.max_mib)
    print(f'{args.wheel_dir}: {len(PACKAGES)} wheels and Fashion-MNIST, {size:.1f} MiB '
          f'(<= {args.max_mib:g}); on the GPU machine: bash tools/gpu_check.sh '
          f'{args.wheel_dir} OUT_DIR')
    return 0


if __name__ == '__main__':
    run(main)
