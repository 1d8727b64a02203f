"""Fashion-MNIST read from the Debian package ``dataset-fashion-mnist`` (real, offline data).

mmpretrain's ``FashionMNIST`` reads the uncompressed idx files and would download them when
missing; the Debian package ships ``*.gz`` files under ``/usr/share/datasets/fashion-mnist``.
:class:`LocalFashionMNIST` unpacks them once into a cache folder, never downloads, and picks the
train/test files from ``split`` (mmpretrain picks them from ``test_mode`` alone, so
``split='test'`` without ``test_mode=True`` silently loads the 60,000 training images).
"""
import gzip
import os
import os.path as osp
import shutil
import tempfile

import numpy as np
from mmpretrain.datasets import FashionMNIST
from mmpretrain.datasets.mnist import read_image_file, read_label_file
from mmpretrain.registry import DATASETS

DEBIAN_ROOT = '/usr/share/datasets/fashion-mnist'
_FILES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
          't10k-labels-idx1-ubyte')


def default_cache_dir():
    """``$MMKD_CACHE/fashion-mnist`` (``MMKD_CACHE`` defaults to ``~/.cache/mmkd-plugins``)."""
    cache = os.environ.get('MMKD_CACHE', osp.join(osp.expanduser('~'), '.cache', 'mmkd-plugins'))
    return osp.join(cache, 'fashion-mnist')


def prepare_fashion_mnist(data_root=DEBIAN_ROOT, cache_dir=None):
    """Return a folder holding the four uncompressed idx files.

    ``data_root`` itself if it holds them uncompressed, else ``cache_dir`` after unpacking the
    ``.gz`` files of ``data_root`` there (atomically, so concurrent ranks are safe).
    """
    if all(osp.isfile(osp.join(data_root, f)) for f in _FILES):
        return data_root
    missing = [f + '.gz' for f in _FILES if not osp.isfile(osp.join(data_root, f + '.gz'))]
    if missing:
        raise FileNotFoundError(
            f'Fashion-MNIST not found: data_root={data_root!r} lacks {missing}. Install the '
            "Debian package 'dataset-fashion-mnist' (apt-get install dataset-fashion-mnist), "
            'or point data_root at a folder holding the idx files (.gz or uncompressed).')
    cache_dir = cache_dir or default_cache_dir()
    os.makedirs(cache_dir, exist_ok=True)
    for f in _FILES:
        dst = osp.join(cache_dir, f)
        if osp.isfile(dst):
            continue
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f + '.')
        with gzip.open(osp.join(data_root, f + '.gz'), 'rb') as src, os.fdopen(fd, 'wb') as out:
            shutil.copyfileobj(src, out)
        os.replace(tmp, dst)
    return cache_dir


_PARSED = {}  # (root, files and their mtimes) -> (images, labels), parsed once per process


@DATASETS.register_module()
class LocalFashionMNIST(FashionMNIST):
    """mmpretrain's ``FashionMNIST`` over the Debian package's files; never downloads.

    Args:
        data_root (str): Folder with the idx files, ``.gz`` or not. Defaults to the Debian
            package's ``/usr/share/datasets/fashion-mnist``.
        split (str): ``'train'`` (60,000 images) or ``'test'`` (10,000 images).
        cache_dir (str, optional): Where ``.gz`` files are unpacked. Defaults to
            :func:`default_cache_dir`.
        **kwargs: Any other argument of mmengine's ``BaseDataset`` (``pipeline``, ``indices``
            for a subset, ...). ``test_mode`` follows ``split`` and may not contradict it.
    """

    def __init__(self, data_root=DEBIAN_ROOT, split='train', cache_dir=None, **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"LocalFashionMNIST: split={split!r} must be 'train' or 'test'")
        test_mode = kwargs.pop('test_mode', split == 'test')
        if test_mode != (split == 'test'):
            raise ValueError(f'LocalFashionMNIST: test_mode={test_mode} contradicts '
                             f'split={split!r}; the split alone chooses the files')
        if kwargs.pop('download', False):
            raise ValueError('LocalFashionMNIST: download=True is not supported; install the '
                             "Debian package 'dataset-fashion-mnist'")
        super().__init__(
            data_root=prepare_fashion_mnist(data_root, cache_dir),
            split=split,
            test_mode=test_mode,
            download=False,
            **kwargs)

    def load_data_list(self):
        """mmpretrain's data list of the split (``img``: a 28 x 28 uint8 array, ``gt_label``: an
        int64 array), from idx files parsed once per process: a run builds the training set,
        the validation set and the diagnostics' two sets from the same files (parsing took
        1.1 s for the 60,000 training images on the 2-core VM, building the list from the
        arrays takes a tenth of it). Only the two arrays are kept: the list itself is freed
        once the dataset has taken its subset."""
        root = self.data_prefix['root']
        names = _FILES[2:] if self.test_mode else _FILES[:2]
        key = (root, tuple((f, os.stat(osp.join(root, f)).st_mtime_ns) for f in names))
        if key not in _PARSED:
            _PARSED[key] = (read_image_file(osp.join(root, names[0])).numpy(),
                            read_label_file(osp.join(root, names[1])).numpy())
        imgs, labels = _PARSED[key]
        return [{'img': img, 'gt_label': np.array(label, dtype=np.int64)}
                for img, label in zip(imgs, labels)]
