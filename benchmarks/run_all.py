"""`make bench`: every step-time / throughput benchmark in benchmarks/speed/ in turn (each prints
its own side-by-side table). The accuracy table is `make table` (benchmarks/accuracy/).

    python -m benchmarks.run_all      # from the repository root
"""
import os.path as osp
import pkgutil
import subprocess
import sys

from benchmarks import speed

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main():
    failed = []
    for mod in sorted(m.name for m in pkgutil.iter_modules(speed.__path__)
                      if m.name.startswith('bench_')):
        print(f'== benchmarks.speed.{mod}', flush=True)
        if subprocess.run([sys.executable, '-m', f'benchmarks.speed.{mod}'], cwd=REPO).returncode:
            failed.append(mod)
    return f'failed: {failed}' if failed else 0


if __name__ == '__main__':
    sys.exit(main())
