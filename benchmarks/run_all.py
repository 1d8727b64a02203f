"""`make bench`: every step-time / throughput benchmark in benchmarks/speed/ in turn (each prints
its own side-by-side table). The accuracy table is `make table` (benchmarks/accuracy/)."""
import glob
import os.path as osp
import subprocess
import sys

here = osp.dirname(osp.abspath(__file__))
failed = []
for script in sorted(glob.glob(osp.join(here, 'speed', 'bench_*.py'))):
    name = osp.basename(script)
    print(f'== {name}', flush=True)
    if subprocess.run([sys.executable, script]).returncode:
        failed.append(name)
sys.exit(f'failed: {failed}' if failed else 0)
