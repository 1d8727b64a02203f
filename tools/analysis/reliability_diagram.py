"""Reliability diagram (PNG) with ECE, AURC, E-AURC and NLL in the title.

From a results file written by ``tools/test.py CONFIG CKPT --out results.pkl``::

    python tools/analysis/reliability_diagram.py results.pkl --out reliability.png

or from a config and checkpoint (runs the test set first)::

    python tools/analysis/reliability_diagram.py CONFIG --checkpoint CKPT --out reliability.png
"""
import os.path as osp
import tempfile

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import mmengine  # noqa: E402
import torch  # noqa: E402

import mmkd_plugins  # noqa: E402,F401
from mmkd_plugins.evaluation import (aurc_eaurc, expected_calibration_error,  # noqa: E402
                                     negative_log_likelihood, reliability_bins)
from mmkd_plugins.cli import (ArgumentParser, checkpoint_path, existing_file,  # noqa: E402
                              positive_int, run)
from mmkd_plugins.utils import sample_labels  # noqa: E402


def load_results(path):
    """(probs N x C, labels N) from a DumpResults pickle of classification data samples."""
    results = mmengine.load(path)
    if not results or 'pred_score' not in results[0]:
        raise ValueError(f'{path}: expected a list of data samples with pred_score (write it '
                         'with tools/test.py CONFIG CKPT --out FILE.pkl)')
    probs = torch.stack([torch.as_tensor(r['pred_score']).float() for r in results])
    labels = sample_labels(results)
    return probs, labels


def run_test(config, checkpoint, work_dir):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(config)
    cfg.work_dir, cfg.load_from = work_dir, checkpoint
    out = osp.join(work_dir, 'results.pkl')
    evaluators = cfg.test_evaluator
    evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) else [evaluators]
    cfg.test_evaluator = evaluators + [dict(type='DumpResults', out_file_path=out)]
    Runner.from_cfg(cfg).test()
    return out


def plot(probs, labels, out, n_bins=10, title=''):
    bins = reliability_bins(probs, labels, n_bins)
    counts = [b['count'] for b in bins]
    accs = [b['accuracy'] or 0.0 for b in bins]
    confs = [b['confidence'] for b in bins]
    correct = (probs.argmax(1) == labels).float()
    ece = expected_calibration_error(probs, labels, n_bins)
    aurc, eaurc = aurc_eaurc(probs, labels)
    nll = negative_log_likelihood(probs, labels)
    width = 1.0 / n_bins
    centers = [(b['lo'] + b['hi']) / 2 for b in bins]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.bar(centers, accs, width=width, edgecolor='black', color='tab:blue', alpha=0.8,
           label='accuracy per bin')
    filled = [i for i, n in enumerate(counts) if n]
    ax.plot([centers[i] for i in filled], [confs[i] for i in filled], 'o-', color='tab:red',
            label='mean confidence per bin')
    ax.plot([0, 1], [0, 1], 'k--', label='perfect calibration')
    ax.set_xlim(0, 1), ax.set_ylim(0, 1)
    ax.set_xlabel('confidence'), ax.set_ylabel('accuracy')
    ax.set_title(f'{title}\nacc {100 * float(correct.mean()):.2f}  ECE {ece:.2f}  '
                 f'AURC {aurc:.1f}  E-AURC {eaurc:.1f}  NLL {nll:.3f}', fontsize=9)
    ax.legend(loc='upper left', fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return dict(ECE=ece, AURC=aurc, EAURC=eaurc, NLL=nll, counts=counts)


def main():
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('source', type=existing_file,
                        help='results .pkl, or a config with --checkpoint')
    parser.add_argument('--checkpoint', type=checkpoint_path,
                        help='checkpoint to test when SOURCE is a config')
    parser.add_argument('--out', default='reliability.png')
    parser.add_argument('--n-bins', type=positive_int, default=10)
    parser.add_argument('--title', default=None)
    args = parser.parse_args()
    path = args.source
    if path.endswith('.py'):
        if not args.checkpoint:
            parser.error('a config needs --checkpoint')
        path = run_test(path, args.checkpoint, tempfile.mkdtemp(prefix='reliability_'))
    probs, labels = load_results(path)
    stats = plot(probs, labels, args.out, args.n_bins, args.title or osp.basename(args.source))
    print(f"wrote {args.out}: ECE {stats['ECE']:.2f}  AURC {stats['AURC']:.2f}  "
          f"E-AURC {stats['EAURC']:.2f}  NLL {stats['NLL']:.4f}")


if __name__ == '__main__':
    run(main)
