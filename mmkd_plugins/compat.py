"""The smallest set of fixes that make the pinned stack work together.

Pinned stack: torch 2.14.1, mmengine 0.10.7, mmcv 2.1.0, mmpretrain 1.2.0, mmdet 3.3.0, mmrazor 1.0.0.
:func:`apply` runs when ``mmkd_plugins`` is imported, before mmrazor is imported; every fix is
idempotent, touches nothing on disk (site-packages are never edited) and has a test in
``tests/test_compat.py`` that fails without it.

1. :func:`restore_torch_ao_helpers` -- mmrazor 1.0.0 builds its quantization backend tables at import
   time from ``torch.ao.quantization`` helpers that torch has since renamed or removed; without them
   ``import mmrazor.models`` raises ``ImportError: `torch>=1.13` is not installed properly``.
2. :func:`allow_mmengine_checkpoint_globals` -- torch >= 2.6 loads with ``weights_only=True``;
   mmengine 0.10.7 saves its message hub (``HistoryBuffer``, numpy arrays and scalars) into every
   checkpoint, so ``--resume``, ``load_from`` and teacher checkpoints fail with ``UnpicklingError``.
   We allow-list exactly those types; the unpickler stays safe for everything else.
3. :func:`forbid_silent_pip_install` -- mmengine's ``get_config``/``get_model`` run
   ``pip install <package>`` when a config names a scope (``mmcls::``) whose package is missing.
   That installs mmcls 0.25, which breaks mmcv; we raise a clear error instead.
4. :func:`bridge_mmrazor_to_mmpretrain` -- mmrazor 1.0.0 knows mmcls, not mmpretrain: building an
   algorithm whose ``architecture`` is ``dict(cfg_path='mmpretrain::...')`` or
   ``dict(type='mmpretrain.ImageClassifier', ...)`` must resolve in mmpretrain's registry
   (mmrazor issue #660, "ImageClassifier is not in the mmengine::model registry").
5. :func:`make_mmrazor_losses_layout_agnostic` -- mmrazor 1.0.0's ``FTLoss``, ``ATLoss`` and
   ``L2Loss`` flatten feature maps with ``Tensor.view``, which raises "view size is not compatible
   with input tensor's size and stride" on channels-last maps (our fast CPU path,
   ``ChannelsLastHook``). The same flattening with ``reshape`` gives the same values for every
   layout (a copy only where ``view`` would have failed).
6. :func:`find_packages_without_pkg_resources` -- mmengine's ``is_installed``,
   ``get_installed_path`` and ``package2module`` (every ``mmpretrain::`` base, every scope check)
   import and reload ``pkg_resources``, which setuptools >= 81 no longer ships: on a machine with
   a current setuptools (a GPU image) every config load stopped with ``No module named
   'pkg_resources'``, and with the older one each call warned "pkg_resources is deprecated as an
   API". The same answers, from ``importlib.metadata`` (standard library).
7. :func:`format_each_config_once` -- mmengine's ``Config.pretty_text`` formats the config with
   yapf every time it is read: when the Runner starts (its log and the ``config.py`` it dumps)
   and at every checkpoint (the checkpoint's meta holds the text). yapf takes seconds on one of
   our configs on a 2-core machine (a 6-iteration test run checkpointing each iteration spent
   most of its time there); the text is the same each time. The formatted text of the last 64
   inputs is kept: the same output, formatted once.
"""
import importlib
import importlib.util


def restore_torch_ao_helpers():
    """Restore the ``torch.ao.quantization`` names mmrazor 1.0.0 imports at module level.

    torch 1.13 had ``reverse2``, ``reverse3`` and ``reverse_sequential_wrapper2`` in
    ``fuser_method_mappings`` and private ``BackendPatternConfig._set_*`` setters; later torch
    versions renamed or dropped some of them. The definitions below are the torch 1.13 semantics
    (fuser methods for patterns written in reversed order, as mmrazor's tables are).
    """
    import torch.ao.quantization.fuser_method_mappings as fmm
    from torch.ao.quantization.backend_config import BackendPatternConfig

    # mmrazor's openvino/tensorrt tables reach this module through attribute access.
    importlib.import_module('torch.ao.quantization.backend_config.utils')

    def reverse2(f):

        def reversed_fn(is_qat, x, y):
            return f(is_qat, y, x)

        return reversed_fn

    def reverse3(f):

        def reversed_fn(is_qat, x, w):
            y, z = w
            return f(is_qat, z, y, x)

        return reversed_fn

    def reverse_sequential_wrapper2(sequential):

        def fuser_method(is_qat, m1, m2):
            return sequential(m2, m1)

        return fuser_method

    for name, fn in (('reverse2', reverse2), ('reverse3', reverse3),
                     ('reverse_sequential_wrapper2', reverse_sequential_wrapper2)):
        if not hasattr(fmm, name):
            setattr(fmm, name, fn)

    def _setter(attr):

        def set_value(self, value):
            setattr(self, attr, value)
            return self

        return set_value

    for name in ('_set_overwrite_output_fake_quantize', '_set_overwrite_output_observer',
                 '_set_input_output_observed'):
        if not hasattr(BackendPatternConfig, name):
            setattr(BackendPatternConfig, name, _setter(name[len('_set'):]))


def _history_buffer_getattr(obj, name):
    """``getattr`` restricted to what an mmengine checkpoint needs: ``HistoryBuffer.<statistic>``.

    A pickled ``HistoryBuffer`` holds its statistics methods (``min``, ``max``, ``current``,
    ``mean``), which pickle protocol 2 stores as ``getattr(HistoryBuffer, 'min')``. Allowing the
    real ``builtins.getattr`` would let a checkpoint reach any attribute of any allowed object;
    this one answers only those lookups.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    if obj is HistoryBuffer and name in HistoryBuffer._statistics_methods:
        return getattr(obj, name)
    import pickle
    raise pickle.UnpicklingError(
        f'weights_only load: getattr({obj!r}, {name!r}) is not allowed (mmkd_plugins allows '
        'getattr only for HistoryBuffer statistics methods)')


def checkpoint_safe_globals():
    """The exact non-tensor globals an mmengine 0.10.7 checkpoint holds (message hub, meta)."""
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer

    HistoryBuffer()  # registers the default statistics methods

    types = [HistoryBuffer, np.ndarray, np.dtype]
    # numpy pickles arrays through ``_reconstruct`` and scalars through ``scalar``; both live in
    # numpy._core since numpy 2 (numpy.core before).
    for modname in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        if importlib.util.find_spec(modname.rsplit('.', 1)[0]) is None:
            continue
        mod = importlib.import_module(modname)
        types += [mod._reconstruct, mod.scalar]
        break
    # Each dtype pickles as its own class (numpy.dtypes.Float64DType, ...).
    types += [type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDG']
    types += [(_history_buffer_getattr, 'builtins.getattr'),
              (_history_buffer_getattr, '__builtin__.getattr')]
    return types


def allow_mmengine_checkpoint_globals():
    """Allow-list (not disable) the unpickler for mmengine's own checkpoint contents."""
    import torch.serialization

    torch.serialization.add_safe_globals(checkpoint_safe_globals())


class PackageNotInstalledError(ImportError):
    """Raised instead of mmengine's silent ``pip install`` of a missing config scope."""


def _refuse_install(package: str):
    from mmengine.utils import is_installed
    if is_installed(package):
        return
    hint = (" mmcls is superseded by mmpretrain: write 'mmpretrain::...' in cfg_path/_base_ "
            "and 'mmpretrain.' as the type prefix." if package == 'mmcls' else '')
    raise PackageNotInstalledError(
        f"A config names the scope '{package}::', but the package '{package}' is not installed. "
        f'mmkd-plugins does not install packages behind your back (mmengine would run '
        f"'pip install {package}' here).{hint}")


def forbid_silent_pip_install():
    """Replace mmengine's ``install_package`` in every module that bound it."""
    import mmengine.hub.hub as hub
    import mmengine.utils as utils
    import mmengine.utils.package_utils as package_utils

    for mod in (hub, utils, package_utils):
        mod.install_package = _refuse_install


def _scope_from_type(build_func):
    """Wrap a registry ``build_func``: ``type='pkg.Name'`` without ``_scope_`` also sets
    ``_scope_='pkg'``, so the modules the built class builds in its ``__init__`` (an
    ImageClassifier's data preprocessor, backbone, head) resolve in ``pkg``'s registry too."""

    def build(cfg, registry, default_args=None):
        type_ = cfg.get('type') if hasattr(cfg, 'get') else None
        if isinstance(type_, str) and '_scope_' not in cfg:
            scope, _ = registry.split_scope_key(type_)
            if scope is not None and scope != registry.scope:
                cfg = cfg.copy()
                cfg['_scope_'] = scope
        return build_func(cfg, registry=registry, default_args=default_args)

    build.__wrapped__ = build_func
    return build


def bridge_mmrazor_to_mmpretrain():
    """Make mmrazor algorithms build mmpretrain architectures named by type prefix.

    With ``default_scope='mmrazor'`` and ``architecture=dict(type='mmpretrain.ImageClassifier',
    ...)``, mmengine finds the class in mmpretrain's registry but builds what it builds in its
    ``__init__`` (its ``ClsDataPreprocessor``) in the *current* scope, mmrazor's, and fails with
    "ClsDataPreprocessor is not in the mmrazor::model registry" (mmrazor issue #660). mmrazor's
    own configs
    avoid it with ``_scope_='mmcls'``; here a type prefix switches the scope as ``_scope_`` does.
    ``cfg_path='mmpretrain::...'`` goes through mmengine's ``get_model``, which already switches
    to the package's scope.
    """
    from mmrazor.registry import MODELS
    if not hasattr(MODELS.build_func, '__wrapped__'):
        MODELS.build_func = _scope_from_type(MODELS.build_func)


def _ft_factor(self, x):
    import torch.nn.functional as F
    return F.normalize(x.reshape(x.size(0), -1))


def _at_matrix(self, x):
    import torch.nn.functional as F
    return F.normalize(x.pow(2).mean(1).reshape(x.size(0), -1))


def _l2_normalize_feature(self, feature):
    feature = feature.reshape(feature.size(0), -1)
    return feature / feature.norm(2, dim=1, keepdim=True) * self.mult


def make_mmrazor_losses_layout_agnostic():
    """``reshape`` instead of ``view`` in mmrazor's feature-map losses (any memory layout)."""
    from mmrazor.models.losses import ATLoss, FTLoss, L2Loss
    FTLoss.factor = _ft_factor
    ATLoss.calc_attention_matrix = _at_matrix
    L2Loss.normalize_feature = _l2_normalize_feature


def _distribution(package):
    import importlib.metadata as metadata
    try:
        return metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return None


def _is_installed(package: str) -> bool:
    """mmengine's ``is_installed``: a distribution of that name, or an importable module."""
    if _distribution(package) is not None:
        return True
    spec = importlib.util.find_spec(package)
    return spec is not None and spec.origin is not None


def _package2module(package: str) -> str:
    """mmengine's ``package2module``: the first line of ``top_level.txt`` (``mmcv-lite`` ->
    ``mmcv``); for a wheel without that file, the top-level module its files hold."""
    import importlib.metadata as metadata
    dist = _distribution(package)
    if dist is None:
        raise metadata.PackageNotFoundError(package)
    top = (dist.read_text('top_level.txt') or '').split()
    if not top:
        top = sorted({f.parts[0] for f in dist.files or () if len(f.parts) > 1
                      and not f.parts[0].endswith(('.dist-info', '.egg-info', '__pycache__'))})
    if not top:
        raise ValueError(f'can not infer the module name of {package}')
    return top[0]


def _get_installed_path(package: str) -> str:
    """mmengine's ``get_installed_path``: ``<location>/<package>`` or ``<location>/<module>``;
    a package only on ``sys.path`` (no metadata) is found by ``find_spec``."""
    import os.path as osp
    dist = _distribution(package)
    module = package if dist is None else _package2module(package)
    if dist is not None:
        location = str(dist.locate_file(''))
        for name in (package, module):
            if osp.exists(osp.join(location, name)):
                return osp.join(location, name)
    spec = importlib.util.find_spec(module)
    if spec is None:
        import importlib.metadata as metadata
        raise metadata.PackageNotFoundError(package)
    if spec.origin is None:
        raise RuntimeError(f'{package} is a namespace package, which is invalid for '
                           '`get_install_path`')
    return osp.dirname(spec.origin)


def find_packages_without_pkg_resources():
    """Rebind mmengine's package lookups to :mod:`importlib.metadata` in every module that
    imported them by name."""
    import mmengine.config.config as config
    import mmengine.hub.hub as hub
    import mmengine.utils as utils
    import mmengine.utils.package_utils as package_utils
    for mod in (package_utils, utils, config, hub):
        for name, fn in (('is_installed', _is_installed),
                         ('get_installed_path', _get_installed_path),
                         ('package2module', _package2module)):
            if hasattr(mod, name):
                setattr(mod, name, fn)


def format_each_config_once():
    """Keep yapf's output for the texts mmengine's ``Config.pretty_text`` formats."""
    import mmengine.config.config as config
    original = config.FormatCode
    if getattr(original, 'mmkd_memoised', False):
        return
    done = {}

    def format_code(text, *args, **kwargs):
        key = (text, repr(args), repr(sorted(kwargs.items())))
        if key not in done:
            if len(done) >= 64:
                done.pop(next(iter(done)))  # the oldest
            done[key] = original(text, *args, **kwargs)
        return done[key]

    format_code.mmkd_memoised = True
    format_code.original = original
    config.FormatCode = format_code


def apply():
    """Apply every fix (idempotent). Called by ``import mmkd_plugins``."""
    restore_torch_ao_helpers()
    allow_mmengine_checkpoint_globals()
    forbid_silent_pip_install()
    bridge_mmrazor_to_mmpretrain()
    make_mmrazor_losses_layout_agnostic()
    find_packages_without_pkg_resources()
    format_each_config_once()
