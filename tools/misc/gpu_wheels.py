"""Fill the wheel folder that tools/gpu_check.sh installs on a GPU machine with no package index.

    python tools/misc/gpu_wheels.py WHEEL_DIR [--python-version 3.12] [--max-mib 56]
    python tools/misc/gpu_wheels.py WHEEL_DIR --check      # only check what is there
    python tools/misc/gpu_wheels.py WHEEL_DIR --print      # the pip command, download nothing
    python tools/misc/gpu_wheels.py --guard [--without NAME ...]   # import closure, offline
    python tools/misc/gpu_wheels.py WHEEL_DIR --rehearse   # the check in a clean environment

Downloads (``pip download --no-deps --only-binary=:all: --python-version V``) the pure-Python
OpenMMLab stack for that Python -- mmengine, ``mmcv-lite`` (mmcv without compiled ops: an
mmcv-with-ops wheel is built for one Python and torch and would not load on another, so the
detection configs are skipped there), mmpretrain, mmrazor -- and every other package their
imports reach that is not in ``IMAGE`` (what the GPU image must already provide: torch,
torchvision, numpy, ...); copies the four Fashion-MNIST ``.gz`` files (Debian package
``dataset-fashion-mnist``) into ``WHEEL_DIR/fashion-mnist``; and checks that the folder stays
under ``--max-mib`` (what the GPU machine can be sent alongside the repository). Our own package
travels with the checkout, not as a wheel.

``--guard``, in a subprocess where every installed package in neither ``PACKAGES`` nor ``IMAGE``
is blocked (as missing on the GPU machine), imports the package, builds and trains a few
families' Runners for two steps (the check's own code path) and imports the throughput and table
phases; it fails with the import that broke, or naming any loaded top-level module in neither
list (``--without NAME`` drops NAME from ``PACKAGES``: the guard must then fail for anything the
stack imports). ``--rehearse`` builds a clean virtual environment holding
only ``IMAGE`` (linked from this environment) and a current setuptools (no ``pkg_resources``),
installs the wheels exactly as ``tools/gpu_check.sh`` does and runs its dry run there.
"""
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

from mmkd_plugins.cli import ArgumentParser, ToolError, run

# carried: pure-Python wheels, installed with --no-deps into a folder of their own
PACKAGES = [
    'mmengine==0.10.7', 'mmcv-lite==2.1.0', 'mmpretrain==1.2.0', 'mmrazor==1.0.0',
    'addict==2.4.0', 'termcolor==3.3.0', 'yapf==0.43.0', 'platformdirs==4.14.9',
    'mat4py==0.6.0', 'ordered-set==4.1.0', 'importlib-metadata==10.2.0', 'lazy-importer==0.1.0',
    'model-index==0.1.11',
]
# what the GPU image must already provide (the 'cuda' image's list, docs/gpu_check.md): torch and
# the packages the stack imports, with their own dependencies. setuptools is not needed (no
# pkg_resources: mmkd_plugins.compat.find_packages_without_pkg_resources).
IMAGE = [
    'torch', 'torchvision', 'triton', 'numpy', 'pillow', 'opencv-python-headless', 'matplotlib',
    'contourpy', 'cycler', 'fonttools', 'kiwisolver', 'pyparsing', 'python-dateutil', 'six',
    'packaging', 'pyyaml', 'rich', 'markdown-it-py', 'mdurl', 'pygments', 'einops', 'click',
    'markdown', 'zipp', 'typing-extensions', 'filelock', 'fsspec', 'jinja2', 'markupsafe',
    'networkx', 'sympy', 'mpmath', 'joblib', 'scipy', 'pip', 'cloudpickle', 'tqdm', 'tabulate',
    'pandas',
]
# the same modules under another distribution name in a development environment
IMAGE_ALIASES = {'opencv-python-headless': ('opencv-python', )}
DATA_ROOT = '/usr/share/datasets/fashion-mnist'
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
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
    fits, naming every problem at once (one line); returns the folder's size in MiB."""
    problems = []
    wheels = [osp.basename(w).lower() for w in glob.glob(osp.join(wheel_dir, '*.whl'))]
    missing = [p for p in PACKAGES
               if not any(w.startswith(p.split('==')[0].replace('-', '_') + '-') for w in wheels)]
    if missing:
        problems.append(f'{wheel_dir}: no wheel for {missing}; run python '
                        f'tools/misc/gpu_wheels.py {wheel_dir}')
    data = [f for f in DATA_FILES if not osp.isfile(osp.join(wheel_dir, 'fashion-mnist', f))]
    if data:
        problems.append(f'{wheel_dir}/fashion-mnist lacks {data}; run python '
                        f'tools/misc/gpu_wheels.py {wheel_dir} (copies them from {DATA_ROOT})')
    size = folder_mib(wheel_dir)
    if size > max_mib:
        problems.append(f'{wheel_dir} holds {size:.1f} MiB, over --max-mib {max_mib:g}: remove '
                        'what tools/gpu_check.sh does not need (extra wheels)')
    if problems:
        raise ToolError('; '.join(problems))
    return size


def canonical(name):
    return name.split('==')[0].lower().replace('_', '-').replace('.', '-')


def image_names():
    """Canonical names of ``IMAGE`` and its aliases."""
    return ({canonical(n) for n in IMAGE}
            | {canonical(a) for n in IMAGE for a in IMAGE_ALIASES.get(n, ())})


def in_image(dist):
    """Whether distribution ``dist`` is one the GPU image provides (``IMAGE``, its aliases, and
    torch's CUDA libraries: ``nvidia-*``, ``cuda-*``)."""
    d = canonical(dist)
    return d in image_names() or d.startswith(('nvidia-', 'cuda-'))


GUARD_FAMILIES = ('plain', 'kd', 'iekd-stage2', 'kdcl-minlogit')
OURS = ('mmkd-plugins', )
# the same modules under another distribution name in a development environment (mmcv-lite
# carried, mmcv with ops installed here)
CARRIED_ALIASES = {'mmcv-lite': ('mmcv', )}
# Run in a fresh interpreter from the repository root. Every top-level module whose
# distributions are all absent from the GPU machine (ALLOWED) is blocked, as it would be missing
# there: an optional import (mmrazor's of mmdet) degrades as it would there, a needed one fails
# the run. Then the check's own code path, and the top-level modules it loaded.
GUARD_CODE = """
import importlib.abc, importlib.metadata as md, json, sys, sysconfig, tempfile
startup = {m.split('.')[0] for m in sys.modules}
dists = md.packages_distributions()
blocked = {m for m, ds in dists.items() if not any(d.lower().replace('_', '-') in ALLOWED
                                                   or d.lower().startswith(('nvidia-', 'cuda-'))
                                                   for d in ds)} - startup


class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not on the GPU machine: "
                                      f"{dists[name.split('.')[0]]})", name=name)


sys.meta_path.insert(0, Block())
import mmkd_plugins
from benchmarks import gpu_check, methods
from benchmarks.speed import bench_speed
from benchmarks.accuracy import runner
for fam in FAMILIES:
    gpu_check.train_losses(methods.gpu_families()[fam], 2, 256, tempfile.mkdtemp(), "cpu",
                           audit=True)
stdlib = sysconfig.get_paths()['stdlib']
out = {}
for name in sorted({m.split('.')[0] for m in list(sys.modules)} - startup):
    mod = sys.modules.get(name)
    where = getattr(mod, '__file__', None) or ''
    if (name in sys.stdlib_module_names or name in sys.builtin_module_names
            or where.startswith(stdlib + '/') and 'site-packages' not in where):
        continue
    out[name] = dists.get(name) or where or str(getattr(mod, '__path__', ''))
print('GUARD ' + json.dumps(out))
"""


def allowed(without=()):
    """Canonical names of the distributions the GPU machine has: carried (and their aliases),
    ``IMAGE`` (and its aliases), ours."""
    carried = {canonical(p) for p in PACKAGES} - {canonical(w) for w in without}
    carried |= {canonical(a) for c in carried for a in CARRIED_ALIASES.get(c, ())}
    return carried | image_names() | set(OURS)


def version_mismatches():
    """Carried pins that differ from the version installed here (the guard ran the installed
    one, so it vouches only for equal pins)."""
    import importlib.metadata as md
    out = []
    for pin in PACKAGES:
        name, version = pin.split('==')
        for candidate in (name, *CARRIED_ALIASES.get(name, ())):
            try:
                here = md.version(candidate)
                break
            except md.PackageNotFoundError:
                here = None
        if here != version:
            out.append(f'{pin} (installed here: {here})')
    return out


def guard(without=(), families=GUARD_FAMILIES):
    """Run the check's code path with every package the GPU machine lacks blocked; returns the
    problems (modules loaded that are neither carried, in the image nor ours) and the loaded
    modules. A needed package that is blocked fails the run: ToolError with its message."""
    ok = allowed(without)
    code = f'FAMILIES = {list(families)!r}\nALLOWED = {sorted(ok)!r}' + GUARD_CODE
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONWARNINGS='ignore'))
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith('GUARD ')), None)
    if proc.returncode or line is None:
        err = (proc.stderr or proc.stdout).strip().splitlines()
        raise ToolError('the check\'s code path fails with only the carried wheels and IMAGE: '
                        + (err[-1] if err else f'exit {proc.returncode}'))
    loaded = json.loads(line[len('GUARD '):])
    problems = {}
    for module, owner in loaded.items():
        if isinstance(owner, list):
            if not any(canonical(d) in ok or in_image(d) for d in owner):
                problems[module] = owner
        elif owner and not osp.realpath(owner).startswith(REPO + os.sep):
            problems[module] = f'no distribution ({owner})'  # neither ours nor installed
    return problems, loaded


def link_image(dest):
    """Symlink every ``IMAGE`` distribution of this environment (its top-level files and its
    metadata) into ``dest``; returns ``(linked, missing)`` distribution names."""
    import importlib.metadata as md
    os.makedirs(dest, exist_ok=True)
    linked, seen = [], set()
    for dist in md.distributions():
        name = canonical(dist.metadata['Name'])
        if name in seen or not in_image(name) or name == 'setuptools':
            continue
        seen.add(name)
        tops = {f.parts[0] for f in dist.files or () if f.parts and f.parts[0] != '..'}
        for top in tops:
            src = str(dist.locate_file(top))
            if osp.exists(src) and not osp.lexists(osp.join(dest, top)):
                os.symlink(src, osp.join(dest, top))
        linked.append(name)
    missing = [n for n in IMAGE if canonical(n) not in seen and not any(
        canonical(a) in seen for a in IMAGE_ALIASES.get(n, ()))]
    return sorted(linked), missing


def rehearse(wheel_dir, env_dir, max_mib, extra):
    """Build ``env_dir``: a virtual environment of the base interpreter, no pip, nothing of its
    own; ``IMAGE`` linked from this environment; a current setuptools (>= 81: no
    ``pkg_resources``), as a GPU image has. Then ``tools/gpu_check.sh WHEEL_DIR OUT --dry-run``
    with that interpreter, the wheels installed as on the GPU machine. Returns the rehearsal
    record (also written to ``env_dir/out/rehearsal.json``)."""
    check(wheel_dir, max_mib)
    t0 = time.perf_counter()
    shutil.rmtree(env_dir, ignore_errors=True)
    venv, image = osp.join(env_dir, 'venv'), osp.join(env_dir, 'image')
    base = getattr(sys, '_base_executable', sys.executable)
    subprocess.run([base, '-m', 'venv', '--without-pip', venv], check=True)
    py = osp.join(venv, 'bin', 'python')
    linked, missing = link_image(image)
    if subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target',
                       image, 'setuptools>=81']).returncode:
        raise ToolError('pip could not fetch a current setuptools (is a package index '
                        'reachable?)')
    site = subprocess.run([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                          capture_output=True, text=True, check=True).stdout.strip()
    with open(osp.join(site, 'gpu_image.pth'), 'w') as f:
        f.write(image + '\n')
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    env.update(PYTHON=py, GPU_CHECK_SITE=osp.join(env_dir, 'site'), PYTHONNOUSERSITE='1',
               PATH=osp.dirname(py) + os.pathsep + env.get('PATH', ''))
    probe = subprocess.run([py, '-c', 'import torch, numpy, setuptools, importlib.util as u; '
                            'print(torch.__version__, setuptools.__version__, '
                            'u.find_spec("pkg_resources") is None, u.find_spec("mmengine") is None)'],
                           capture_output=True, text=True, env=env)
    out = osp.join(env_dir, 'out')
    t1 = time.perf_counter()
    proc = subprocess.run(['bash', osp.join(REPO, 'tools', 'gpu_check.sh'), wheel_dir, out,
                           '--dry-run', *extra], cwd=REPO, env=env, capture_output=True,
                          text=True)
    record = dict(date=time.strftime('%Y-%m-%d'), python=sys.version.split()[0],
                  environment=probe.stdout.strip() or probe.stderr.strip()[-500:],
                  image_linked=linked, image_missing_here=missing, returncode=proc.returncode,
                  build_s=round(t1 - t0, 1), dry_run_s=round(time.perf_counter() - t1, 1))
    summary = osp.join(out, 'summary.json')
    if osp.isfile(summary):
        with open(summary) as f:
            s = json.load(f)
        record.update(passed=s.get('passed'), phases={k: v['status'] for k, v in
                                                      s.get('phases', {}).items()},
                      families={k: [v['status'], v.get('seconds')]
                                for k, v in s.get('families', {}).items()},
                      versions=s.get('versions'))
    else:
        record['output'] = (proc.stdout + proc.stderr)[-3000:]
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'rehearsal.json'), 'w') as f:
        json.dump(record, f, indent=1)
    return record


def main(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('wheel_dir', nargs='?', help='the folder to fill (created if missing)')
    p.add_argument('--python-version', default='3.12', help="the GPU machine's Python")
    p.add_argument('--max-mib', type=float, default=56.0,
                   help='largest folder allowed, MiB (default 56: the GPU machine takes 64 '
                   'with the repository)')
    group = p.add_mutually_exclusive_group()
    group.add_argument('--check', action='store_true', help='download nothing; check the folder')
    group.add_argument('--print', action='store_true', help='print the pip command and stop')
    group.add_argument('--guard', action='store_true',
                       help='offline: fail when the check loads a package neither carried nor '
                       'in IMAGE')
    group.add_argument('--rehearse', action='store_true',
                       help='run the dry run in a clean environment of IMAGE + the wheels')
    p.add_argument('--without', nargs='+', default=[], metavar='NAME',
                   help='--guard: drop these from the carried PACKAGES')
    p.add_argument('--env', default='/tmp/mmkd_gpu_rehearsal',
                   help='--rehearse: the folder of the clean environment (replaced)')
    p.add_argument('--families', nargs='+',
                   help='--rehearse: families of the dry run (default: all)')
    args = p.parse_args(argv)
    if args.guard:
        mismatched = version_mismatches()
        if mismatched:
            raise ToolError('the carried pins differ from this environment, where the guard '
                            'runs: ' + ', '.join(mismatched) + '; pin what is installed here')
        problems, loaded = guard(args.without)
        if problems:
            raise ToolError('the GPU machine would lack what these modules need (add the '
                            'distribution to PACKAGES, or to IMAGE if the image has it): '
                            + ', '.join(f'{m} ({d})' for m, d in sorted(problems.items())))
        print(f'guard: all {len(loaded)} top-level modules the check loads are carried or in '
              'the image')
        return 0
    if not args.wheel_dir:
        p.error('WHEEL_DIR is required (except with --guard)')
    if args.print:
        print(' '.join(pip_command(args.wheel_dir, args.python_version)))
        return 0
    if args.rehearse:
        extra = ['--families', *args.families] if args.families else []
        record = rehearse(osp.abspath(args.wheel_dir), args.env, args.max_mib, extra)
        print(json.dumps(record, indent=1))
        return 0 if record.get('passed') else 1
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
