"""LocalFashionMNIST reads the Debian package's real files; bad input names the field."""
import gzip
import os
import os.path as osp

import numpy as np
import pytest

from mmkd_plugins.datasets import LocalFashionMNIST, prepare_fashion_mnist
from mmkd_plugins.datasets.fashion_mnist import DEBIAN_ROOT

needs_data = pytest.mark.skipif(
    not osp.isfile(osp.join(DEBIAN_ROOT, 'train-images-idx3-ubyte.gz')),
    reason="Debian package 'dataset-fashion-mnist' is not installed")


@needs_data
def test_real_splits_and_sample_idx(tmp_path):
    train = LocalFashionMNIST(split='train', cache_dir=str(tmp_path), lazy_init=True)
    test = LocalFashionMNIST(split='test', cache_dir=str(tmp_path))
    train.full_init()
    assert len(train) == 60000 and len(test) == 10000
    assert train.get_data_info(0)['img'].shape == (28, 28)
    assert sorted(np.unique([test.get_data_info(i)['gt_label'] for i in range(500)])) == \
        list(range(10))
    assert test.CLASSES[0] == 'T-shirt/top'
    # the pipeline's PackInputs carries sample_idx into the data sample (PS-KD keys on it)
    packed = LocalFashionMNIST(split='test', cache_dir=str(tmp_path), indices=5,
                               pipeline=[dict(type='PackInputs')])[3]
    assert packed['data_samples'].sample_idx == 3
    assert tuple(packed['inputs'].shape) == (1, 28, 28)


@needs_data
def test_unpacked_files_equal_the_gz_content(tmp_path):
    folder = prepare_fashion_mnist(DEBIAN_ROOT, str(tmp_path))
    with gzip.open(osp.join(DEBIAN_ROOT, 't10k-labels-idx1-ubyte.gz'), 'rb') as f:
        expected = f.read()
    with open(osp.join(folder, 't10k-labels-idx1-ubyte'), 'rb') as f:
        assert f.read() == expected


def test_missing_files_name_the_debian_package(tmp_path):
    with pytest.raises(FileNotFoundError, match='dataset-fashion-mnist'):
        LocalFashionMNIST(data_root=str(tmp_path), cache_dir=str(tmp_path / 'c'))


def test_split_and_test_mode_cannot_disagree():
    with pytest.raises(ValueError, match='split'):
        LocalFashionMNIST(split='val')
    with pytest.raises(ValueError, match='test_mode'):
        LocalFashionMNIST(split='test', test_mode=False)
    with pytest.raises(ValueError, match='download'):
        LocalFashionMNIST(split='test', download=True)


def test_uncompressed_root_is_used_in_place(tmp_path):
    names = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
             't10k-labels-idx1-ubyte')
    for n in names:
        (tmp_path / n).write_bytes(b'')
    assert prepare_fashion_mnist(str(tmp_path), str(tmp_path / 'unused')) == str(tmp_path)
    assert not os.path.exists(tmp_path / 'unused')
