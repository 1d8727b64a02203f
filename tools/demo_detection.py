"""`make demo-detection`: the detection backbone swap end to end on generated data, on CPU.

1. Writes the drawn-shapes detection set (COCO format) and its classification view (one shape
   per 64 x 64 image) with tools/misc/make_shapes_coco.py's generators.
2. Trains a classifier whose backbone is the detector's ResNet-18 on the classification view,
   once plainly and once with PS-KD (configs/detection/backbone_swap/).
3. Exports each backbone with tools/export_backbone.py (checked against the detector's backbone:
   no missing or unexpected keys).
4. Trains the tiny RetinaNet R-18 (configs/detection/retinanet_r18_fpn_shapes-tiny.py) with each
   exported backbone and once from scratch, same schedule and seed, and prints one table:
   backbone source -> coco/bbox_mAP, coco/bbox_mAP_50 (also written to RESULTS.json).

    python tools/demo_detection.py [--work-dir work_dirs/demo_detection] [--det-epochs 8] ...
"""
import datetime
import json
import os
import os.path as osp
import platform
import time

from mmkd_plugins.cli import ArgumentParser, positive_int, run
from mmkd_plugins.export import export_backbone

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLS_CONFIGS = {
    'ResNet-18 classifier (plain)': 'configs/detection/backbone_swap/resnet18_1xb32_shapes-cls.py',
    'ResNet-18 classifier (PS-KD)':
        'configs/detection/backbone_swap/pskd_resnet18_1xb32_shapes-cls.py',
}
DET_CONFIG = 'configs/detection/retinanet_r18_fpn_shapes-tiny.py'


def _progress(msg):
    print(f'[demo-detection {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def train_classifier(config, work_dir, cls_root, epochs, n_train, seed):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=seed)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.dataset.data_root = cls_root
    if n_train:
        cfg.train_dataloader.dataset.indices = n_train
    cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = epochs
    cfg.param_scheduler.T_max = epochs
    cfg.default_hooks.checkpoint.interval = epochs
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    return osp.join(work_dir, f'epoch_{epochs}.pth'), float(metrics['accuracy/top1'])


def train_detector(backbone_ckpt, work_dir, det_root, epochs, seed, n_train=None):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(REPO, DET_CONFIG))
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=seed)
    root = det_root.rstrip('/') + '/'
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = root
    if n_train:
        cfg.train_dataloader.dataset.indices = n_train
    cfg.val_evaluator.ann_file = cfg.test_evaluator.ann_file = root + 'annotations/val.json'
    cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = epochs
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    if backbone_ckpt is None:
        cfg.model.backbone.init_cfg = None  # from scratch (mmdet's default init)
    else:
        cfg.model.backbone.init_cfg.checkpoint = backbone_ckpt
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    return {k: float(metrics[k]) for k in ('coco/bbox_mAP', 'coco/bbox_mAP_50')}


def main(argv=None):
    p = ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--work-dir', default='work_dirs/demo_detection')
    p.add_argument('--det-root', default='data/shapes_coco_demo')
    p.add_argument('--cls-root', default='data/shapes_cls')
    p.add_argument('--det-train', type=positive_int, default=160, help='detection training images')
    p.add_argument('--det-val', type=positive_int, default=60)
    p.add_argument('--det-epochs', type=positive_int, default=8)
    p.add_argument('--cls-train', type=positive_int, default=1500,
                   help='classification training images')
    p.add_argument('--cls-val', type=positive_int, default=300)
    p.add_argument('--cls-epochs', type=positive_int, default=4)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args(argv)
    os.chdir(REPO)
    import mmkd_plugins  # noqa: F401
    from mmkd_plugins.datasets import make_shapes_classification, make_shapes_coco
    t0 = time.perf_counter()
    os.makedirs(a.work_dir, exist_ok=True)
    if not osp.isfile(osp.join(a.det_root, 'annotations', 'val.json')):
        _progress(f'writing {a.det_train} + {a.det_val} detection images to {a.det_root}')
        make_shapes_coco(a.det_root, a.det_train, a.det_val, 128, a.seed)
    if not osp.isdir(osp.join(a.cls_root, 'val')):
        _progress(f'writing {a.cls_train} + {a.cls_val} classification images to {a.cls_root}')
        make_shapes_classification(a.cls_root, a.cls_train, a.cls_val, 64, a.seed + 1)

    det_cfg = osp.join(REPO, DET_CONFIG)
    sources = {'from scratch (no pre-training)': ('scratch', None, None)}
    for label, config in CLS_CONFIGS.items():
        name = 'pskd' if 'PS-KD' in label else 'plain'
        _progress(f'training the {label} ({a.cls_epochs} epochs)')
        ckpt, top1 = train_classifier(config, osp.join(a.work_dir, f'cls_{name}'), a.cls_root,
                                      a.cls_epochs, None, a.seed)
        out = osp.join(a.work_dir, f'resnet18_{name}_backbone.pth')
        kept, _, _ = export_backbone(ckpt, out, detector_config=det_cfg)
        _progress(f'{label}: top-1 {top1:.2f} % on {a.cls_val} held-out images; exported '
                  f'{len(kept)} backbone tensors to {out} (checked against the detector)')
        sources[label] = (name, out, top1)

    rows = []
    for label, (name, ckpt, top1) in sources.items():
        _progress(f'training RetinaNet R-18, backbone {label} ({a.det_epochs} epochs)')
        t = time.perf_counter()
        m = train_detector(ckpt, osp.join(a.work_dir, f'det_{name}'), a.det_root, a.det_epochs,
                           a.seed)
        rows.append(dict(source=label, classifier_top1=top1, **m,
                         train_s=round(time.perf_counter() - t, 1)))
        _progress(f'{label}: {m}')
    total = time.perf_counter() - t0
    lines = ['| backbone source | classifier top-1 (%) | coco/bbox_mAP | coco/bbox_mAP_50 | '
             'detector train s |', '| --- | --- | --- | --- | --- |']
    for r in rows:
        top1 = 'n/a' if r['classifier_top1'] is None else f'{r["classifier_top1"]:.2f}'
        lines.append(f'| {r["source"]} | {top1} | {r["coco/bbox_mAP"]:.3f} | '
                     f'{r["coco/bbox_mAP_50"]:.3f} | {r["train_s"]:.0f} |')
    setup = (f'RetinaNet R-18 FPN on {a.det_train} generated 128 x 128 shapes images, '
             f'{a.det_epochs} epochs, batch 2, seed {a.seed}; {a.det_val} validation images. '
             f'Classifiers: {a.cls_train} 64 x 64 one-shape images, {a.cls_epochs} epochs. '
             f'{platform.node()} ({os.cpu_count()} CPU cores), '
             f'{datetime.date.today().isoformat()}, {total / 60:.1f} min in all.')
    print('\n'.join(lines) + '\n\n' + setup)
    with open(osp.join(a.work_dir, 'RESULTS.json'), 'w') as f:
        json.dump(dict(rows=rows, setup=setup, args=vars(a)), f, indent=1)
    return rows


if __name__ == '__main__':
    run(main)
