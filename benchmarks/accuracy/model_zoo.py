"""Write each config family's ``metafile.yml``, its README's results block and ``model-index.yml``.

    python -m benchmarks.accuracy.model_zoo            # rewrite them from configs/ and the results
    python -m benchmarks.accuracy.model_zoo --check    # exit 1 if any is out of date (tests, CI)

Every config under ``configs/<family>/`` (``_base_`` excluded) becomes one model entry of that
family's metafile (the format of mmpretrain / mmrazor, read by ``mim search mmkd_plugins``). The
results are ours as measured: the Fashion-MNIST protocols' rows of the accuracy table
(``benchmarks/accuracy/results/<protocol>/``, mean over the committed seeds). The papers'
numbers, where a paper reports the setting of a config, are listed beside ours in the README
block only, so a metafile never shows a number that we did not measure. The table's report
(``python -m benchmarks.accuracy.run_table --report-only``) calls this after every rebuild.
"""
import os
import os.path as osp
import re
import statistics
import sys

import yaml

from mmkd_plugins.cli import ArgumentParser, run

from .protocol import (DEFAULT_PROTOCOL, PROTOCOLS, REPO, ROWS, Settings, load_results,
                       metric_key, protocol_config)

CONFIGS = osp.join(REPO, 'configs')

# One entry per family folder: the collection of its metafile and the README header facts.
FAMILIES = {
    'pskd': dict(
        name='PS-KD', title='Self-Knowledge Distillation with Progressive Refinement of Targets',
        paper='https://arxiv.org/abs/2006.12000', code='https://github.com/lgcnsai/PS-KD-Pytorch',
        techniques=['Self-Knowledge Distillation']),
    'kdcl': dict(
        name='KDCL', title='Online Knowledge Distillation via Collaborative Learning',
        paper='https://openaccess.thecvf.com/content_CVPR_2020/html/Guo_Online_Knowledge_'
        'Distillation_via_Collaborative_Learning_CVPR_2020_paper.html', code=None,
        techniques=['Online Knowledge Distillation']),
    'iekd': dict(
        name='IE-KD', title='Revisiting Knowledge Distillation: An Inheritance and Exploration '
        'Framework', paper='https://arxiv.org/abs/2107.00181',
        code='https://github.com/yellowtownhz/IE-KD', techniques=['Knowledge Distillation']),
    'kd': dict(
        name='KD', title='Distilling the Knowledge in a Neural Network',
        paper='https://arxiv.org/abs/1503.02531',
        code='https://github.com/megvii-research/mdistiller',
        techniques=['Knowledge Distillation']),
    'fitnets': dict(
        name='FitNets', title='FitNets: Hints for Thin Deep Nets',
        paper='https://arxiv.org/abs/1412.6550', code='https://github.com/adri-romsor/FitNets',
        techniques=['Knowledge Distillation']),
    'at': dict(
        name='AT', title='Paying More Attention to Attention: Improving the Performance of '
        'Convolutional Neural Networks via Attention Transfer',
        paper='https://arxiv.org/abs/1612.03928',
        code='https://github.com/szagoruyko/attention-transfer',
        techniques=['Knowledge Distillation']),
    'dml': dict(
        name='DML', title='Deep Mutual Learning', paper='https://arxiv.org/abs/1706.00384',
        code='https://github.com/YingZhangDUT/Deep-Mutual-Learning',
        techniques=['Online Knowledge Distillation']),
    'takd': dict(
        name='TAKD', title='Improved Knowledge Distillation via Teacher Assistant',
        paper='https://arxiv.org/abs/1902.03393',
        code='https://github.com/imirzadeh/Teacher-Assistant-Knowledge-Distillation',
        techniques=['Knowledge Distillation']),
    'eskd': dict(
        name='ESKD', title='On the Efficacy of Knowledge Distillation',
        paper='https://arxiv.org/abs/1910.01348', code=None,
        techniques=['Knowledge Distillation']),
    'baseline': dict(
        name='Baselines', title='Deep Residual Learning for Image Recognition',
        paper='https://arxiv.org/abs/1512.03385', code='https://github.com/open-mmlab/mmpretrain',
        techniques=['SGD with Momentum', 'Weight Decay']),
    'teachers': dict(
        name='Teachers', title='Deep Residual Learning for Image Recognition',
        paper='https://arxiv.org/abs/1512.03385', code='https://github.com/HobbitLong/RepDistiller',
        techniques=['SGD with Momentum', 'Weight Decay']),
    'detection': dict(
        name='Detection backbone swap', title='Focal Loss for Dense Object Detection',
        paper='https://arxiv.org/abs/1708.02002', code='https://github.com/open-mmlab/mmdetection',
        techniques=['Transfer of a distilled backbone'], task='Object Detection'),
}

# The papers' numbers for the settings our configs reproduce (top-1 %, ECE %), with the source.
# Only what the config files and docs/fidelity.md cite; "—" where the paper reports no such
# setting or we could not reach it.
PAPER = {
    'pskd_preact-resnet18_1xb128_cifar100': ('79.18', '1.77', 'PS-KD paper, error 20.82'),
    'preact-resnet18_1xb128_cifar100': ('75.82', '11.84', 'PS-KD paper, baseline, error 24.18'),
    'pskd_resnet152_8xb32_in1k': ('78.59', '—', 'PS-KD paper, error 21.41'),
    'kdcl-minlogit_resnet50_mobilenetv2_8xb32_in1k': ('78.2 / 74.0', '—',
                                                      'KDCL paper, ResNet-50 / MobileNetV2'),
    'resnet32x4_1xb64_cifar100': ('79.42', '—', 'RepDistiller'),
}

# Short names, as mmpretrain's metafiles have (``mim search`` lays its table out at 80 columns:
# a long key hides every value); what the Fashion-MNIST protocols are: LEGEND and docs/protocol.md.
DATASETS = {
    'fashion-mnist-5k': 'Fashion-MNIST-5k', 'fashion-mnist-1k': 'Fashion-MNIST-1k',
    'fashion-mnist': 'Fashion-MNIST', 'cifar100': 'CIFAR-100', 'in1k': 'ImageNet-1k',
    'coco': 'COCO', 'voc0712': 'PASCAL VOC 07+12', 'shapes-tiny': 'Shapes-tiny',
    'shapes-cls': 'Shapes-cls',
}
LEGEND = ('Fashion-MNIST-1k / -5k: the first 1,000 / 5,000 Fashion-MNIST training images (the '
          'fitting / under-fitting regime), tested on all 10,000 test images '
          '([docs/protocol.md](../../docs/protocol.md)); Shapes-tiny / Shapes-cls: the generated '
          'shapes sets of the tests and of `make demo-detection`.')


def family_configs(family):
    root = osp.join(CONFIGS, family)
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x != '_base_')
        out += [osp.join(d, f) for f in sorted(files) if f.endswith('.py')]
    return sorted(out)


def dataset_of(stem):
    for key in sorted(DATASETS, key=len, reverse=True):
        if stem.endswith(key) or f'_{key}' in stem:
            return DATASETS[key]
    return 'see the config'


def layout_of(stem, cfg):
    """(processes, batch per process) from the name's NxB; (None, batch) for names without one
    (mmdet's pattern: the schedule, not the layout, is in the name)."""
    m = re.search(r'_(\d+)xb(\d+)', stem)
    if m:
        return int(m.group(1)), int(m.group(2))
    return None, cfg.train_dataloader.batch_size


def measured(results_dir=None):
    """config path (relative) -> (top-1 mean, ECE mean, seeds, dates, machines), every protocol's
    results (``results_dir``: one folder of one protocol's, read as the default protocol's)."""
    if results_dir is not None:
        return _measured(load_results(results_dir), DEFAULT_PROTOCOL)
    out = {}
    for protocol in PROTOCOLS:
        out.update(_measured(load_results(Settings(protocol=protocol).results), protocol))
    return out


def _measured(res, protocol):
    out = {}
    for key, (_, config, kind, _, _) in ROWS.items():
        runs = res.get(key)
        config = protocol_config(config, protocol)
        if not runs:
            continue
        mk = metric_key(key)
        vals = [r['metrics'][mk] for r in runs.values()]
        eces = [r['metrics']['ECE'] for r in runs.values()]
        sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
        out.setdefault(config, dict(
            top1=round(statistics.mean(vals), 2), top1_sd=round(sd, 2),
            ece=round(statistics.mean(eces), 2), seeds=sorted(runs),
            dates=sorted({r['protocol']['date'] for r in runs.values()}),
            machine=sorted({r['protocol']['machine'].split(':', 1)[-1].strip()
                            for r in runs.values()}),
            online=kind == 'online', row=key))
    return out


def build(family, ours):
    """The family's metafile (a dict) and README results block, ``ours`` from :func:`measured`."""
    from mmengine.config import Config
    info = FAMILIES[family]
    task = info.get('task', 'Image Classification')
    collection = dict(
        Name=info['name'],
        Metadata=dict(**{'Training Techniques': info['techniques']}),
        Paper=dict(Title=info['title'], URL=info['paper']),
        README=f'configs/{family}/README.md')
    if info['code']:
        collection['Code'] = dict(URL=info['code'])
    models, rows = [], []
    for path in family_configs(family):
        rel = osp.relpath(path, REPO)
        stem = osp.splitext(osp.basename(path))[0]
        cfg = Config.fromfile(path)
        n, b = layout_of(stem, cfg)
        data = dataset_of(stem)
        if n is None:
            meta = {'Training Data': data, 'Batch Size per GPU': b}
        else:
            meta = {'Training Data': data, 'Batch Size': n * b,
                    'Training Resources': f'{n}x GPU' if n > 1 else '1x GPU or CPU'}
        epochs = (cfg.get('train_cfg') or {}).get('max_epochs')
        if epochs:
            meta['Epochs'] = epochs
        model = {'Name': stem, 'In Collection': info['name'], 'Metadata': meta, 'Config': rel}
        m = ours.get(rel)
        if m:
            model['Results'] = [dict(Task=task, Dataset=data, Metrics={
                'Top 1 Accuracy': m['top1'], 'ECE': m['ece']})]
        models.append(model)
        paper = PAPER.get(stem)
        paper_txt = f'{paper[0]} / {paper[1]} ({paper[2]})' if paper else '—'
        if m:
            who = ' (student 0)' if m['online'] else ''
            spread = (f' ± {m["top1_sd"]:.2f}' if len(m['seeds']) > 1 else ' (1 seed)')
            ours_txt = (f'{m["top1"]:.2f}{spread}{who} / {m["ece"]:.2f}; seeds '
                        f'{",".join(map(str, m["seeds"]))}; {", ".join(m["dates"])}; '
                        f'{"; ".join(m["machine"])}')
        else:
            ours_txt = 'not run here'
        layout = f'{n}x{b}' if n else f'{b} per GPU'
        rows.append(f'| [{stem}](./{osp.relpath(path, osp.join(CONFIGS, family))}) | {data} | '
                    f'{layout} | {epochs or "—"} | {paper_txt} | {ours_txt} |')
    meta = dict(Collections=[collection], Models=models)
    block = '\n'.join(
        ['| config | data | GPUs x batch | epochs | paper: top-1 / ECE (%) | ours: top-1 / '
         'ECE (%), seeds, date, machine |', '| --- | --- | --- | --- | --- | --- |'] + rows
        + ['', LEGEND])
    return meta, block


def index_text():
    imports = [f'configs/{f}/metafile.yml' for f in sorted(FAMILIES)]
    return yaml.safe_dump({'Import': imports}, sort_keys=False)


def _readme_with_block(path, block):
    begin, end = '<!-- results:begin -->', '<!-- results:end -->'
    doc = open(path).read() if osp.isfile(path) else ''
    if begin not in doc or end not in doc:
        raise SystemExit(f'{osp.relpath(path, REPO)}: no "{begin}" ... "{end}" block to fill')
    head, rest = doc.split(begin, 1)
    return f'{head}{begin}\n{block}\n{end}{rest.split(end, 1)[1]}'


def update(check=False, progress=False):
    """Rewrite (or, with ``check``, compare) every metafile, README block and model-index.yml.

    Returns the list of files that were (or would be) changed."""
    from mmengine.utils import ProgressBar
    ours = measured()  # the committed results, read once for all families
    stale = []
    targets = {osp.join(REPO, 'model-index.yml'): index_text()}
    bar = ProgressBar(len(FAMILIES)) if progress else None
    for family in FAMILIES:
        if bar is not None:
            bar.update()
        meta, block = build(family, ours)
        targets[osp.join(CONFIGS, family, 'metafile.yml')] = yaml.safe_dump(
            meta, sort_keys=False, allow_unicode=True)
        readme = osp.join(CONFIGS, family, 'README.md')
        targets[readme] = _readme_with_block(readme, block)
    for path, text in targets.items():
        old = open(path).read() if osp.isfile(path) else None
        if old != text:
            stale.append(osp.relpath(path, REPO))
            if not check:
                with open(path, 'w') as f:
                    f.write(text)
    return stale


def main(argv=None):
    p = ArgumentParser(
        description='Write configs/<family>/metafile.yml, the results block of each '
        'configs/<family>/README.md and model-index.yml from the configs and the committed '
        'accuracy results.')
    p.add_argument('--check', action='store_true',
                   help='change nothing; exit 1 and list the files that are out of date')
    args = p.parse_args(argv)
    stale = update(check=args.check, progress=True)
    print()
    if args.check and stale:
        print('out of date (run python -m benchmarks.accuracy.model_zoo): ' + ', '.join(stale),
              file=sys.stderr)
        return 1
    print(('would change: ' if args.check else 'written: ') + (', '.join(stale) or 'nothing'))
    return 0


if __name__ == '__main__':
    run(main)
