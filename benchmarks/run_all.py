"""`make bench`: run every benchmarks/bench_*.py in turn (each prints its own side-by-side table)."""
import glob
import os.path as osp
import subprocess
import sys

here = osp.dirname(osp.abspath(__file__))
failed = []
for script in sorted(glob.glob(osp.join(here, 'bench_*.py'))):
    print(f'== {osp.basename(script)}', flush=True)
    if subprocess.run([sys.executable, script]).returncode:
        failed.append(script)
sys.exit(f'failed: {failed}' if failed else 0)
