"""Top-1 of every KDCL student and of their ensemble (softmax mean), in %."""
import torch
from mmengine.evaluator import BaseMetric
from mmengine.registry import METRICS

from ..utils import sample_labels


@METRICS.register_module()
class KDCLAccuracy(BaseMetric):
    """Reports ``student{i}/top1`` for each student and ``ensemble/top1``.

    Reads ``student_scores`` (m x C) and ``ensemble_score`` (C) that ``KDCL.predict`` puts in
    each data sample.
    """
    default_prefix = 'kdcl'

    def process(self, data_batch, data_samples):
        for sample, label in zip(data_samples, sample_labels(data_samples).tolist()):
            if 'student_scores' not in sample:
                raise KeyError('KDCLAccuracy needs student_scores in the data samples '
                               "(the model must be type='KDCL')")
            scores = torch.cat([sample['student_scores'], sample['ensemble_score'][None]])
            self.results.append((scores.argmax(1) == label).float().cpu())

    def compute_metrics(self, results):
        correct = torch.stack(results).mean(0) * 100  # (m + 1,)
        metrics = {f'student{i}/top1': float(c) for i, c in enumerate(correct[:-1])}
        metrics['ensemble/top1'] = float(correct[-1])
        return metrics
