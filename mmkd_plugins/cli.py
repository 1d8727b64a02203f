"""What every script under ``tools/`` shares: one-line errors and argument checks.

A tool builds its parser with :class:`ArgumentParser` and runs its ``main`` through :func:`run`:

* a bad argument (argparse's own checks, or the ``existing_file`` / ``positive_int`` types)
  prints ``PROG: error: MESSAGE (see PROG --help)`` and exits 2, as mmpretrain's tools do, minus
  the usage block;
* a missing file, or bad input our code refuses (``ToolError``, ``FileNotFoundError``,
  ``ValueError`` -- the errors that name the field and the allowed values), prints
  ``PROG: error: MESSAGE`` and exits 1 instead of a traceback. ``MMKD_TRACEBACK=1`` re-raises,
  for a developer who wants the stack.
"""
import argparse
import os
import os.path as osp
import sys


class ToolError(Exception):
    """An error a tool reports in one line (bad input, a missing prerequisite)."""


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors are one line."""

    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message} (see {self.prog} --help)\n')


def existing_file(path):
    """argparse type: a file that exists."""
    if not osp.isfile(path):
        raise argparse.ArgumentTypeError(
            f'{path!r} is not a file' if osp.exists(path) else f'no such file: {path!r}')
    return path


def checkpoint_path(path):
    """argparse type: a checkpoint file that exists, or a URL (mmengine downloads those)."""
    if path.startswith(('http://', 'https://')):
        return path
    return existing_file(path)


def positive_int(value):
    """argparse type: an integer >= 1."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{value!r} is not an integer') from None
    if n < 1:
        raise argparse.ArgumentTypeError(f'{value} must be >= 1')
    return n


def run(main):
    """Run ``main()`` (arguments from ``sys.argv``) and turn the errors a user can fix into one
    line and exit 1."""
    prog = osp.basename(sys.argv[0])
    try:
        ret = main()
    except (ToolError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
            ValueError) as e:
        if os.environ.get('MMKD_TRACEBACK'):
            raise
        msg = ' '.join(str(e).split()) or type(e).__name__
        print(f'{prog}: error: {msg}', file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f'{prog}: interrupted', file=sys.stderr)
        sys.exit(130)
    sys.exit(ret if isinstance(ret, int) else 0)
