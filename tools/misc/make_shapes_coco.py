"""Write the drawn-shapes COCO-format detection set used by configs/detection/*shapes-tiny*.py,
and optionally its classification view (one shape per image, for pre-training a backbone).

    python tools/misc/make_shapes_coco.py [data/shapes_coco] [--n-train 64] [--n-val 32]
        [--cls-root data/shapes_cls --cls-n-train 1500 --cls-n-val 300]
"""
from mmkd_plugins.cli import ArgumentParser, positive_int, run
from mmkd_plugins.datasets.shapes_coco import make_shapes_classification, make_shapes_coco


def main(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('root', nargs='?', default='data/shapes_coco', help='output folder')
    p.add_argument('--n-train', type=positive_int, default=64)
    p.add_argument('--n-val', type=positive_int, default=32)
    p.add_argument('--size', type=positive_int, default=128, help='image side (pixels)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--cls-root', help='also write the classification view here')
    p.add_argument('--cls-n-train', type=positive_int, default=1500)
    p.add_argument('--cls-n-val', type=positive_int, default=300)
    a = p.parse_args(argv)
    print(make_shapes_coco(a.root, a.n_train, a.n_val, a.size, a.seed))
    if a.cls_root:
        print(make_shapes_classification(a.cls_root, a.cls_n_train, a.cls_n_val, seed=a.seed + 1))


if __name__ == '__main__':
    run(main)
