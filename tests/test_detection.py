"""Detection backbone swap: export from every algorithm's checkpoint type into an mmdet ResNet
(no missing/unexpected keys, identical outputs), bad exports, the tiny RetinaNet / Faster R-CNN
configs train and evaluate with CocoMetric on generated COCO-format data (also under mmdet's own
train tool), and IE-KD on a detector backbone (both stages)."""
import copy
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmrazor.registry import MODELS

from conftest import REPO, config_path, standin_checkpoints
from mmkd_plugins.datasets import make_shapes_coco

from mmkd_plugins.export import export_backbone

R18 = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512))


@pytest.fixture(scope='module')
def shapes(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes_coco'))
    make_shapes_coco(root, n_train=8, n_val=4, size=128, seed=0)
    return root


def build(cfg, scope='mmpretrain'):
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(copy.deepcopy(cfg))


def randomise_bn(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=g))
            m.running_var.copy_(1 + 0.2 * torch.rand(m.running_var.shape, generator=g))


def sources(tmp_path):
    """(name, model, network inside it, student index) for each checkpoint type."""
    baseline = build(R18)
    pskd = build(dict(type='mmrazor.PSKD', architecture=R18, source='snapshot'))
    kdcl = build(dict(type='mmrazor.KDCL', students=[R18, R18], ensemble=dict(type='MinLogit')))
    iekd_cfg = standin_checkpoints(
        Config.fromfile(config_path('iekd/iekd_resnet34_resnet18_8xb32_in1k.py')), tmp_path)
    iekd = build(iekd_cfg.model)
    return [('baseline', baseline, baseline, None), ('pskd', pskd, pskd.architecture, None),
            ('kdcl', kdcl, kdcl.students[1], 1), ('iekd', iekd, iekd.architecture, None)]


def test_export_from_every_algorithm_loads_into_mmdet_resnet_with_same_outputs(tmp_path):
    x = torch.randn(2, 3, 64, 64)
    for i, (name, model, net, student) in enumerate(sources(tmp_path)):
        randomise_bn(net, seed=i)
        ckpt, out = str(tmp_path / f'{name}.pth'), str(tmp_path / f'{name}_backbone.pth')
        torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=1)), ckpt)
        kept, dropped, _ = export_backbone(ckpt, out, student=student)
        saved = torch.load(out, map_location='cpu')['state_dict']
        assert saved and all(k.startswith('backbone.') for k in saved), name
        assert not any(k.startswith(('teacher', 'students.0', 'distiller', 'head', 'neck'))
                       for k in kept)
        if name in ('kdcl', 'iekd'):
            assert dropped, name  # the other student / teacher and encoders were dropped
        detector_backbone = build(dict(type='mmdet.ResNet', depth=18, out_indices=(0, 1, 2, 3),
                                       init_cfg=dict(type='Pretrained', checkpoint=out,
                                                     prefix='backbone.')), 'mmdet')
        own = detector_backbone.state_dict()
        assert set(own) == {k[len('backbone.'):] for k in saved}, name  # no missing/unexpected
        detector_backbone.init_weights()
        detector_backbone.eval()
        net.eval()
        with torch.no_grad():
            expected = net.backbone(x)[-1]
            got = detector_backbone(x)[3]
        assert torch.allclose(expected, got, atol=1e-5), name


def test_export_bad_input(tmp_path):
    kdcl = build(dict(type='mmrazor.KDCL', students=[R18, R18], ensemble=dict(type='MinLogit')))
    ckpt = str(tmp_path / 'kdcl.pth')
    torch.save(dict(state_dict=kdcl.state_dict()), ckpt)
    out = str(tmp_path / 'out.pth')
    with pytest.raises(ValueError, match='choose one with --student 0..1'):
        export_backbone(ckpt, out)
    with pytest.raises(KeyError, match="--student 5: no key starts with 'students.5.'"):
        export_backbone(ckpt, out, student=5)
    with pytest.raises(KeyError, match="--prefix 'trunk.' matches no key"):
        export_backbone(ckpt, out, student=0, prefix='trunk.')
    with pytest.raises(ValueError, match=r'ResNet-50\): \d+ missing \[.*conv3.*depth mismatch'):
        export_backbone(ckpt, out, student=0, depth=50)
    other = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict={'encoder.weight': torch.zeros(1)}), other)
    with pytest.raises(KeyError, match='no classifier found'):
        export_backbone(other, out)
    assert not osp.exists(out)


def on_shapes(cfg, root, work_dir, backbone_ckpt=None, epochs=1):
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = root
    cfg.val_evaluator.ann_file = cfg.test_evaluator.ann_file = osp.join(
        root, 'annotations', 'val.json')
    cfg.train_cfg.max_epochs = cfg.train_cfg.val_interval = epochs
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    if backbone_ckpt is not None:
        backbone = cfg.model.get('architecture', cfg.model).backbone
        backbone.init_cfg.checkpoint = backbone_ckpt
    return cfg


def exported_r18(tmp_path):
    model = build(R18)
    randomise_bn(model)
    ckpt, out = str(tmp_path / 'cls.pth'), str(tmp_path / 'r18_backbone.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    export_backbone(ckpt, out)
    return out, torch.load(out, map_location='cpu')['state_dict']


@pytest.mark.parametrize('rel', ['detection/retinanet_r18_fpn_shapes-tiny.py',
                                 'detection/faster-rcnn_r18_fpn_shapes-tiny.py'])
def test_tiny_detector_trains_and_evaluates_with_coco_metric(rel, shapes, tmp_path):
    backbone_ckpt, exported = exported_r18(tmp_path)
    cfg = on_shapes(Config.fromfile(config_path(rel)), shapes, tmp_path / 'run', backbone_ckpt)
    runner = Runner.from_cfg(cfg)
    runner.train()
    losses = {k: v.current() for k, v in runner.message_hub.log_scalars.items()
              if k.startswith('train/loss')}
    assert losses and all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    metrics = runner.val_loop.run()
    assert 'coco/bbox_mAP' in metrics and 0.0 <= metrics['coco/bbox_mAP'] <= 1.0
    # the swapped-in backbone was loaded: its frozen stem (frozen_stages=1) still equals the export
    stem = runner.model.backbone.conv1.weight.detach()
    assert torch.equal(stem, exported['backbone.conv1.weight'])


def test_tiny_config_runs_under_mmdets_own_train_tool(shapes, tmp_path):
    import mmdet
    tool = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools', 'train.py')
    backbone_ckpt, _ = exported_r18(tmp_path)
    options = [f'train_dataloader.dataset.data_root={shapes}/',
               f'val_dataloader.dataset.data_root={shapes}/',
               f'test_dataloader.dataset.data_root={shapes}/',
               f'val_evaluator.ann_file={shapes}/annotations/val.json',
               f'test_evaluator.ann_file={shapes}/annotations/val.json',
               'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
               f'model.backbone.init_cfg.checkpoint={backbone_ckpt}']
    proc = subprocess.run(
        [sys.executable, tool, config_path('detection/retinanet_r18_fpn_shapes-tiny.py'),
         '--work-dir', str(tmp_path / 'mim'), '--cfg-options'] + options,
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'coco/bbox_mAP' in proc.stdout + proc.stderr
    assert osp.isfile(tmp_path / 'mim' / 'epoch_1.pth')


def test_iekd_on_a_detector_backbone_both_stages(shapes, tmp_path):
    # a stand-in RetinaNet R-18 teacher checkpoint (a trained one comes from the tiny config)
    s1 = Config.fromfile(config_path('detection/iekd/iekd-stage1_retinanet_r18_shapes-tiny.py'))
    teacher = build(s1.model.teacher, 'mmdet')
    teacher_ckpt = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=teacher.state_dict()), teacher_ckpt)
    s1.model.teacher_ckpt = teacher_ckpt
    runner = Runner.from_cfg(on_shapes(s1, shapes, tmp_path / 's1'))
    runner.train()
    rec = runner.message_hub.get_scalar('train/loss_rec').data[0]
    assert len(rec) == 4 and all(torch.isfinite(torch.tensor(v)) for v in rec)
    metrics = runner.val_loop.run()
    assert 'coco/bbox_mAP' in metrics  # the frozen teacher's own AP

    s2 = Config.fromfile(config_path('detection/iekd/iekd_retinanet_r18_r18_shapes-tiny.py'))
    s2.model.teacher_ckpt = teacher_ckpt
    s2.model.distiller.connectors.teacher_factor.stage1_checkpoint = str(
        tmp_path / 's1' / 'epoch_1.pth')
    runner = Runner.from_cfg(on_shapes(s2, shapes, tmp_path / 's2'))
    before = copy.deepcopy(runner.model.state_dict())
    runner.train()
    scalars = runner.message_hub.log_scalars
    for k in ('train/distill.loss_inheritance', 'train/distill.loss_exploration'):
        assert torch.isfinite(torch.tensor(scalars[k].current())), k
    assert any(k.startswith('train/student.loss_cls') for k in scalars)
    after = runner.model.state_dict()
    key = 'architecture.backbone.layer3.0.conv1.weight'
    assert not torch.equal(before[key], after[key])
    key = 'distiller.connectors.inheritance.encoder.1.weight'
    assert not torch.equal(before[key], after[key])
    for k, v in after.items():
        if k.startswith('teacher.'):
            assert torch.equal(v, before[k]), k


def test_missing_backbone_checkpoint_says_how_to_export_it(shapes, tmp_path):
    cfg = on_shapes(Config.fromfile(config_path('detection/retinanet_r18_fpn_shapes-tiny.py')),
                    shapes, tmp_path / 'run', str(tmp_path / 'nowhere' / 'r18.pth'))
    runner = Runner.from_cfg(cfg)
    with pytest.raises(FileNotFoundError) as err:
        runner.train()
    msg = str(err.value)
    assert 'backbone.init_cfg.checkpoint' in msg and 'nowhere/r18.pth' in msg
    assert 'tools/export_backbone.py' in msg and 'init_cfg=None' in msg
    for rel in ('retinanet_r50_fpn_1x_coco_distilled.py', 'faster-rcnn_r18_fpn_1x_voc0712_'
                'distilled.py', 'faster-rcnn_r18_fpn_shapes-tiny.py'):
        hooks = Config.fromfile(config_path('detection/' + rel)).custom_hooks
        assert dict(type='BackboneCheckpointHook') in hooks, rel


def test_demo_detection_pieces_classifier_export_detector(tmp_path):
    """`make demo-detection` on a few images: both classifiers train, their exports load into
    the detector's ResNet-18 with no missing or unexpected keys, and the three detectors train
    and report COCO mAP."""
    from mmdet.registry import MODELS as DET_MODELS
    proc = subprocess.run([
        sys.executable, osp.join(REPO, 'tools', 'demo_detection.py'),
        '--work-dir', str(tmp_path / 'work'), '--det-root', str(tmp_path / 'det'),
        '--cls-root', str(tmp_path / 'cls'), '--det-train', '6', '--det-val', '4',
        '--det-epochs', '1', '--cls-train', '24', '--cls-val', '9', '--cls-epochs', '1'],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = json.loads((tmp_path / 'work' / 'RESULTS.json').read_text())['rows']
    assert [r['source'].split()[0] for r in rows] == ['from', 'ResNet-18', 'ResNet-18']
    for r in rows:
        assert 0.0 <= r['coco/bbox_mAP'] <= 1.0 and 0.0 <= r['coco/bbox_mAP_50'] <= 1.0
    with DefaultScope.overwrite_default_scope('mmdet'):
        det_backbone = DET_MODELS.build(dict(type='ResNet', depth=18))
    for name in ('plain', 'pskd'):
        state = torch.load(tmp_path / 'work' / f'resnet18_{name}_backbone.pth')['state_dict']
        result = det_backbone.load_state_dict(
            {k[len('backbone.'):]: v for k, v in state.items()}, strict=True)
        assert not result.missing_keys and not result.unexpected_keys
    assert osp.isfile(tmp_path / 'work' / 'RESULTS.json')
