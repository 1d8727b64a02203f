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

from ..methods import METHODS, by_folder
from .protocol import (DEFAULT_PROTOCOL, PROTOCOLS, REPO, ROWS, Settings, load_results,
                       metric_key, protocol_config)

CONFIGS = osp.join(REPO, 'configs')

# One entry per family folder (the one list of methods): the collection of its metafile, the
# README header facts, and the papers' numbers for the settings our configs reproduce (top-1 %,
# ECE %, source; "—" where the paper reports no such setting), listed beside ours in the README
# block only.
FAMILIES = by_folder()
PAPER = {stem: result for m in METHODS for stem, result in m.paper_results.items()}

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
    task = info.task
    collection = dict(
        Name=info.name,
        Metadata=dict(**{'Training Techniques': list(info.techniques)}),
        Paper=dict(Title=info.title, URL=info.paper),
        README=f'configs/{family}/README.md')
    if info.code:
        collection['Code'] = dict(URL=info.code)
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
        model = {'Name': stem, 'In Collection': info.name, 'Metadata': meta, 'Config': rel}
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
