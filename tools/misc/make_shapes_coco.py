"""Write the drawn-shapes COCO-format detection set used by configs/detection/*shapes-tiny*.py.

    python tools/misc/make_shapes_coco.py [data/shapes_coco] [--n-train 64] [--n-val 32]
"""
import argparse

from mmkd_plugins.datasets.shapes_coco import make_shapes_coco

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', nargs='?', default='data/shapes_coco')
    p.add_argument('--n-train', type=int, default=64)
    p.add_argument('--n-val', type=int, default=32)
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    print(make_shapes_coco(a.root, a.n_train, a.n_val, a.size, a.seed))
