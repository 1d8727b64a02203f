"""The accuracy table: every method under one protocol, at convergence, results that accumulate.

Rows, protocol and the result file's fields: :mod:`benchmarks.accuracy.protocol`. Each finished
(row, seed) run is written to ``benchmarks/accuracy/results/<row>/seed<k>.json``; runs whose file
exists are skipped, so the table resumes across sessions. Run from the repository root:

    python -m benchmarks.accuracy.run_table                      # core rows first, seed-major
    python -m benchmarks.accuracy.run_table --rows alone teacher kd --seeds 0
    python -m benchmarks.accuracy.run_table --report-only        # table + figures from results/
"""
import argparse
import os

from .protocol import REPO, ROWS, Settings
from .report import report


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--rows', nargs='+', help=f'any of {list(ROWS)} (default: all, in order)')
    p.add_argument('--report-only', action='store_true',
                   help='rebuild table.md and the figures from results/, train nothing')
    p.add_argument('--commit', action='store_true',
                   help='git-commit each result file as soon as it is written')
    p.add_argument('--smoke', metavar='DIR',
                   help='a plumbing check, not the protocol: 64 images, 2 epochs, results and '
                        'work files under DIR')
    args = p.parse_args(argv)
    rows = args.rows or list(ROWS)
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        p.error(f'--rows: unknown {unknown}; rows are {list(ROWS)}')
    settings = Settings.smoke_run(args.smoke) if args.smoke else Settings()
    if not args.report_only:
        os.chdir(REPO)
        import mmkd_plugins  # noqa: F401  (registries, stack fixes)
        from .runner import Table
        Table(settings, commit=args.commit).run(rows, args.seeds)
    report(settings)


if __name__ == '__main__':
    main()
