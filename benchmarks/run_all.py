"""`make bench`: run every benchmarks/bench_*.py in turn (each prints its own side-by-side table).

The accuracy benchmark runs a reduced protocol here (10k training images); run it with no
arguments for the full one (see README).
"""
import glob
import os.path as osp
import subprocess
import sys

ARGS = {'bench_pskd_fmnist.py': ['--n-train', '10000', '--epochs', '3'],
        'bench_kdcl_fmnist.py': ['--n-train', '10000', '--epochs', '3']}

here = osp.dirname(osp.abspath(__file__))
failed = []
for script in sorted(glob.glob(osp.join(here, 'bench_*.py'))):  # fmnist_runs.py is a helper
    name = osp.basename(script)
    args = ARGS.get(name, [])
    print(f'== {name} {" ".join(args)}', flush=True)
    if subprocess.run([sys.executable, script] + args).returncode:
        failed.append(name)
sys.exit(f'failed: {failed}' if failed else 0)
