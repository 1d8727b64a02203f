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
import importlib.util
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


# What a detection config needs beyond the classification install (``make demo``: mmcv-lite,
# no compiled ops, no mmdet), and the command that adds it.
DETECTION_MODULES = ('mmdet', 'mmcv._ext')
DETECTION_HINT = ('make demo-detection (or: bash scripts/install.sh full; pip users: pip '
                  'uninstall mmcv-lite, then pip install "mmkd-plugins[detection]")')


def importable(name):
    """Whether module ``name`` can be found (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent package missing
        return False


def require_stack(cfg, config):
    """Stop in one line when ``cfg`` (from file ``config``) is a detection config
    (``default_scope='mmdet'``) and this install lacks mmdet or mmcv's compiled ops."""
    if cfg.get('default_scope') != 'mmdet':
        return
    missing = [m for m in DETECTION_MODULES if not importable(m)]
    if missing:
        raise ToolError(f'{config} is a detection config, and this install has no '
                        f'{" and no ".join(missing)} (the classification install, mmcv-lite); '
                        f'add detection with: {DETECTION_HINT}')


def load_config(path):
    """``Config.fromfile(path)``, checked by :func:`require_stack`; a detection config that
    cannot even be read for lack of mmdet (an ``mmdet::`` base, a module of ``custom_imports``
    that imports it) stops with the same one-line hint."""
    from mmengine.config import Config
    try:
        cfg = Config.fromfile(path)
    except Exception as e:
        chain, cause = [], e
        while cause is not None and len(chain) < 10:  # mmengine wraps the ImportError
            chain.append(cause)
            cause = cause.__cause__ or cause.__context__
        if any('mmdet' in str(c) for c in chain) and not importable('mmdet'):
            raise ToolError(f'{path} is a detection config, and this install has no mmdet (the '
                            f'classification install, mmcv-lite); add detection with: '
                            f'{DETECTION_HINT}') from e
        raise
    require_stack(cfg, path)
    return cfg


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
