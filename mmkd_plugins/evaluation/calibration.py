"""Calibration and selective-prediction metrics, as reported by PS-KD (Kim et al., ICCV 2021).

Registered in mmengine's root ``METRICS`` (visible from every scope), usable by any
classification config::

    val_evaluator = [dict(type='Accuracy', topk=(1, 5)), dict(type='ECE'), dict(type='AURC'),
                     dict(type='EAURC'), dict(type='NLL')]

- **ECE** (Naeini et al., 2015; Guo et al., 2017, Eq. 3): ``sum_b |B_b|/n * |acc(B_b) - conf(B_b)|``
  over ``n_bins`` equal-width confidence bins (default 10, as the official code), in %.
- **AURC** (Geifman et al., ICLR 2019): area under the risk-coverage curve of the max-softmax
  selective classifier, ``(1/n) sum_k risk(k)`` where ``risk(k)`` is the error rate of the ``k``
  most confident samples; x1000 as the paper.
- **E-AURC**: ``AURC - AURC*``, where ``AURC*`` is the AURC of the ideal ranking (every correct
  sample before every error), ``(1/n) sum_{i=1..e} i / (n - e + i)`` for ``e`` errors (the
  finite-sample form of ``r + (1 - r) ln(1 - r)``, as the official code); x1000.
- **NLL**: mean negative log-likelihood of the true class (natural log).
"""
import torch
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS

from ..utils import sample_labels


def _check(probs, labels):
    probs = torch.as_tensor(probs, dtype=torch.float64)
    labels = torch.as_tensor(labels, dtype=torch.long).flatten()
    if probs.ndim != 2 or probs.shape[0] != labels.shape[0] or probs.shape[0] == 0:
        raise ValueError(f'probs must be (N, C) and labels (N,), got {tuple(probs.shape)} and '
                         f'{tuple(labels.shape)}')
    return probs, labels


def reliability_bins(probs, labels, n_bins=10):
    """The reliability diagram's bins: ``n_bins`` equal-width bins ``(lo, hi]`` of the max
    probability, each ``dict(lo, hi, count, confidence, accuracy)`` (mean confidence and accuracy
    of its samples; ``None`` for an empty bin). The one binning of the package: ECE, the diagram
    tool and the accuracy report use it."""
    if not isinstance(n_bins, int) or n_bins < 1:
        raise ValueError(f'n_bins={n_bins!r} must be a positive int')
    probs, labels = _check(probs, labels)
    conf, pred = probs.max(dim=1)
    correct = (pred == labels).double()
    edges = torch.linspace(0, 1, n_bins + 1, dtype=torch.float64)
    bins = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_bin = (conf > lo) & (conf <= hi)
        n = int(in_bin.sum())
        bins.append(dict(lo=round(float(lo), 12), hi=round(float(hi), 12), count=n,
                         confidence=float(conf[in_bin].mean()) if n else None,
                         accuracy=float(correct[in_bin].mean()) if n else None))
    return bins


def expected_calibration_error(probs, labels, n_bins=10):
    """ECE in % over ``n_bins`` equal-width bins of the max probability (bins are ``(lo, hi]``)."""
    bins = reliability_bins(probs, labels, n_bins)
    total = sum(b['count'] for b in bins)
    return 100 * sum(b['count'] / total * abs(b['accuracy'] - b['confidence'])
                     for b in bins if b['count'])


def aurc_eaurc(probs, labels):
    """(AURC, E-AURC), both x1000, of the max-probability confidence ranking."""
    probs, labels = _check(probs, labels)
    conf, pred = probs.max(dim=1)
    errors = (pred != labels).double()
    coverage = torch.arange(1, len(errors) + 1, dtype=torch.float64)

    def area(ranked_errors):
        return float((torch.cumsum(ranked_errors, 0) / coverage).mean())

    aurc = area(errors[torch.argsort(conf, descending=True, stable=True)])
    optimal = area(torch.sort(errors).values)  # all correct samples first
    return aurc * 1000, (aurc - optimal) * 1000


def negative_log_likelihood(probs, labels, eps=1e-12):
    """Mean ``-ln p(y|x)``."""
    probs, labels = _check(probs, labels)
    p_true = probs.gather(1, labels[:, None]).squeeze(1)
    return float(-(p_true.clamp_min(eps)).log().mean())


class _ScoreMetric(BaseMetric):
    """Collects each sample's ``pred_score`` (softmax) and ``gt_label``."""
    default_prefix = ''

    def process(self, data_batch, data_samples):
        for sample, label in zip(data_samples, sample_labels(data_samples).tolist()):
            if 'pred_score' not in sample:
                raise KeyError(f'{type(self).__name__} needs pred_score in the data samples '
                               '(the softmax of a classification head)')
            self.results.append((sample['pred_score'].detach().cpu().float(), label))

    def _arrays(self, results):
        return torch.stack([r[0] for r in results]), torch.tensor([r[1] for r in results])


@METRICS.register_module()
class ECE(_ScoreMetric):
    """Expected calibration error in % (``n_bins`` equal-width bins, default 10)."""

    def __init__(self, n_bins=10, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n_bins, int) or n_bins < 1:
            raise ValueError(f'ECE: n_bins={n_bins!r} must be a positive int')
        self.n_bins = n_bins

    def compute_metrics(self, results):
        return {'ECE': expected_calibration_error(*self._arrays(results), self.n_bins)}


@METRICS.register_module()
class AURC(_ScoreMetric):
    """Area under the risk-coverage curve, x1000."""

    def compute_metrics(self, results):
        return {'AURC': aurc_eaurc(*self._arrays(results))[0]}


@METRICS.register_module()
class EAURC(_ScoreMetric):
    """Excess AURC over the optimal ranking, x1000."""

    def compute_metrics(self, results):
        return {'E-AURC': aurc_eaurc(*self._arrays(results))[1]}


@METRICS.register_module()
class NLL(_ScoreMetric):
    """Mean negative log-likelihood of the true class."""

    def compute_metrics(self, results):
        return {'NLL': negative_log_likelihood(*self._arrays(results))}
