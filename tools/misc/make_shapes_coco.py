"""Write the drawn-shapes COCO-format detection set used by configs/detection/*shapes-tiny*.py,
and optionally its classification view (one shape per image, for pre-training a backbone).

    python tools/misc/make_shapes_coco.py [data/shapes_coco] [--n-train 64] [--n-val 32]
        [--cls-root data/shapes_cls --cls-n-train 1500 --cls-n-val 300]
"""
import argparse

from mmkd_plugins.datasets.shapes_coco import make_shapes_classification, make_shapes_coco

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', nargs='?', default='data/shapes_coco')
    p.add_argument('--n-train', type=int, default=64)
    p.add_argument('--n-val', type=int, default=32)
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--cls-root', help='also write the classification view here')
    p.add_argument('--cls-n-train', type=int, default=1500)
    p.add_argument('--cls-n-val', type=int, default=300)
    a = p.parse_args()
    for name, value in (('--n-train', a.n_train), ('--n-val', a.n_val), ('--size', a.size),
                        ('--cls-n-train', a.cls_n_train), ('--cls-n-val', a.cls_n_val)):
        if value < 1:
            p.error(f'{name}={value} must be >= 1')
    print(make_shapes_coco(a.root, a.n_train, a.n_val, a.size, a.seed))
    if a.cls_root:
        print(make_shapes_classification(a.cls_root, a.cls_n_train, a.cls_n_val, seed=a.seed + 1))
