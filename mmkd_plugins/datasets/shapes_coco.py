"""A small COCO-format detection set of drawn shapes, made offline for tests and the tiny CPU
detection configs (there is no COCO here).

Each image is ``size`` x ``size`` RGB noise-free background with 1-4 filled shapes (classes
``square``, ``disc``, ``triangle``) of random colour, size and place; boxes are the shapes'
exact extents. Written as ``{root}/{split}/*.png`` plus ``{root}/annotations/{split}.json``,
which mmdet's ``CocoDataset`` and ``CocoMetric`` (pycocotools) read unchanged.
"""
import json
import os
import os.path as osp

import numpy as np

CLASSES = ('square', 'disc', 'triangle')


def _draw(img, cls, x0, y0, s, colour):
    yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]]
    if cls == 'square':
        mask = (xx >= x0) & (xx < x0 + s) & (yy >= y0) & (yy < y0 + s)
    elif cls == 'disc':
        r = s / 2
        mask = (xx + 0.5 - x0 - r) ** 2 + (yy + 0.5 - y0 - r) ** 2 <= r * r
    else:  # triangle with its apex at the top middle
        rows = yy - y0
        half = rows * 0.5
        mid = x0 + s / 2
        mask = (rows >= 0) & (rows < s) & (xx + 0.5 >= mid - half) & (xx + 0.5 <= mid + half)
    img[mask] = colour
    ys, xs = np.nonzero(mask)
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


def make_shapes_coco(root, n_train=32, n_val=16, size=128, seed=0):
    """Write the set under ``root`` and return {split: annotation file path}."""
    import cv2
    rng = np.random.default_rng(seed)
    paths = {}
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    for split, n in (('train', n_train), ('val', n_val)):
        os.makedirs(osp.join(root, split), exist_ok=True)
        images, annotations = [], []
        for i in range(n):
            img = np.full((size, size, 3), 235, np.uint8)
            for _ in range(int(rng.integers(1, 5))):
                cls = int(rng.integers(len(CLASSES)))
                s = int(rng.integers(size // 8, size // 3))
                x0, y0 = (int(v) for v in rng.integers(0, size - s, 2))
                colour = rng.integers(0, 180, 3).astype(np.uint8)
                x1, y1, x2, y2 = _draw(img, CLASSES[cls], x0, y0, s, colour)
                annotations.append(dict(id=len(annotations) + 1, image_id=i + 1,
                                        category_id=cls + 1, bbox=[x1, y1, x2 - x1, y2 - y1],
                                        area=(x2 - x1) * (y2 - y1), iscrowd=0))
            name = f'{i:05d}.png'
            cv2.imwrite(osp.join(root, split, name), img)
            images.append(dict(id=i + 1, file_name=name, width=size, height=size))
        ann = dict(images=images, annotations=annotations,
                   categories=[dict(id=k + 1, name=c) for k, c in enumerate(CLASSES)])
        paths[split] = osp.join(root, 'annotations', f'{split}.json')
        with open(paths[split], 'w') as f:
            json.dump(ann, f)
    return paths


def make_shapes_classification(root, n_train=1500, n_val=300, size=64, seed=0):
    """The classification view of the same kind of images (``make_detection_demo``'s
    pre-training data): one shape per ``size`` x ``size`` image, drawn as in
    :func:`make_shapes_coco` (same classes, colours and pixel scale of shapes), labelled by it.

    Written as ``{root}/{split}/{class}/*.png``, the folder layout mmpretrain's ``CustomDataset``
    reads (classes from the sub-folder names). Returns {split: folder}.
    """
    import cv2
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (('train', n_train), ('val', n_val)):
        for cls in CLASSES:
            os.makedirs(osp.join(root, split, cls), exist_ok=True)
        for i in range(n):
            img = np.full((size, size, 3), 235, np.uint8)
            cls = int(rng.integers(len(CLASSES)))
            s = int(rng.integers(size // 4, (3 * size) // 4))
            x0, y0 = (int(v) for v in rng.integers(0, size - s, 2))
            colour = rng.integers(0, 180, 3).astype(np.uint8)
            _draw(img, CLASSES[cls], x0, y0, s, colour)
            cv2.imwrite(osp.join(root, split, CLASSES[cls], f'{i:05d}.png'), img)
        out[split] = osp.join(root, split)
    return out
