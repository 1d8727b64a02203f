"""The accuracy table: every method under each protocol, results that accumulate.

Rows, protocols and the result file's fields: :mod:`benchmarks.accuracy.protocol`. Each finished
(protocol, row, seed) run is written to
``benchmarks/accuracy/results/<protocol>/<row>/seed<k>.json``; runs whose file exists are
skipped, so the table resumes across sessions. Run from the repository root:

    python -m benchmarks.accuracy.run_table                      # fashion-mnist-1k, core rows first
    python -m benchmarks.accuracy.run_table --rows alone teacher kd --seeds 0
    python -m benchmarks.accuracy.run_table --protocol fashion-mnist-5k --report-only
"""
import argparse
import os

from .protocol import DEFAULT_PROTOCOL, PROTOCOLS, REPO, ROWS, Settings, protocol_rows
from .report import report


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--protocol', default=DEFAULT_PROTOCOL, choices=list(PROTOCOLS),
                   help=f'configs/_base_/protocols/<name>.py (default {DEFAULT_PROTOCOL})')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--rows', nargs='+', help=f'any of {list(ROWS)} (default: all, in order)')
    p.add_argument('--report-only', action='store_true',
                   help='rebuild table.md and the figures from results/, train nothing')
    p.add_argument('--no-report', action='store_true',
                   help='train only: leave the table, README blocks and figures as they are '
                        '(streams of the table run side by side; one report at the end)')
    p.add_argument('--commit', action='store_true',
                   help='git-commit each result file as soon as it is written')
    p.add_argument('--smoke', metavar='DIR',
                   help='a plumbing check, not the protocol: 64 images, 2 epochs, results and '
                        'work files under DIR')
    args = p.parse_args(argv)
    available = protocol_rows(args.protocol)
    rows = args.rows or available
    unknown = [r for r in rows if r not in available]
    if unknown:
        p.error(f'--rows: {unknown} have no config in protocol {args.protocol!r}; its rows are '
                f'{available}')
    settings = (Settings.smoke_run(args.smoke, args.protocol) if args.smoke
                else Settings(protocol=args.protocol))
    if not args.report_only:
        os.chdir(REPO)
        import mmkd_plugins  # noqa: F401  (registries, stack fixes)
        from .runner import Table
        Table(settings, commit=args.commit).run(rows, args.seeds)
    if not args.no_report:
        report(settings)


if __name__ == '__main__':
    main()
