"""ECE / AURC / E-AURC / NLL against values computed by hand."""
import math

import pytest
import torch
from mmengine.evaluator import Evaluator
from mmpretrain.structures import DataSample

from mmkd_plugins.evaluation import aurc_eaurc, expected_calibration_error, \
    negative_log_likelihood

# max confidences 0.92 (right), 0.75 (wrong), 0.58 (right), 0.55 (right); float64 and away from
# the bin edges, so no value sits on a boundary after rounding
PROBS = torch.tensor([[0.92, 0.04, 0.04], [0.75, 0.15, 0.1], [0.2, 0.58, 0.22],
                      [0.25, 0.2, 0.55]], dtype=torch.float64)
LABELS = torch.tensor([0, 1, 1, 2])


def test_ece_by_hand():
    # bins (0.9,1]: acc 1, conf .92; (0.7,0.8]: acc 0, conf .75; (0.5,0.6]: acc 1, conf .565
    expected = 0.25 * 0.08 + 0.25 * 0.75 + 0.5 * (1 - 0.565)
    assert expected_calibration_error(PROBS, LABELS, n_bins=10) == pytest.approx(100 * expected)
    # one bin: |acc - mean conf| = |0.75 - 0.7|
    assert expected_calibration_error(PROBS, LABELS, n_bins=1) == pytest.approx(5.0)


def test_aurc_and_eaurc_by_hand():
    # ranked errors 0,1,0,0 -> risks 0, 1/2, 1/3, 1/4; ideal ranking 0,0,0,1 -> 0,0,0,1/4
    aurc, eaurc = aurc_eaurc(PROBS, LABELS)
    assert aurc == pytest.approx(1000 * (0 + 1 / 2 + 1 / 3 + 1 / 4) / 4)
    assert eaurc == pytest.approx(aurc - 1000 * (1 / 4) / 4)


def test_perfect_ranking_has_zero_eaurc():
    probs = torch.tensor([[0.99, 0.01], [0.7, 0.3], [0.4, 0.6]])
    aurc, eaurc = aurc_eaurc(probs, torch.tensor([0, 0, 0]))  # only the least confident wrong
    assert eaurc == pytest.approx(0) and aurc > 0


def test_nll_by_hand():
    expected = -(math.log(0.92) + math.log(0.15) + math.log(0.58) + math.log(0.55)) / 4
    assert negative_log_likelihood(PROBS, LABELS) == pytest.approx(expected)


def test_registered_metrics_through_an_evaluator():
    evaluator = Evaluator([dict(type='ECE'), dict(type='AURC'), dict(type='EAURC'),
                           dict(type='NLL')])
    samples = [DataSample().set_gt_label(int(y)).set_pred_score(p) for p, y in
               zip(PROBS, LABELS)]
    evaluator.process([s.to_dict() for s in samples[:2]])
    evaluator.process([s.to_dict() for s in samples[2:]])
    metrics = evaluator.evaluate(4)
    assert metrics['ECE'] == pytest.approx(42.5, abs=1e-4)  # pred_score is stored as float32
    assert metrics['AURC'] == pytest.approx(1000 * (1 / 2 + 1 / 3 + 1 / 4) / 4)
    assert metrics['E-AURC'] == pytest.approx(metrics['AURC'] - 62.5)
    assert metrics['NLL'] == pytest.approx(negative_log_likelihood(PROBS, LABELS), rel=1e-6)


def test_bad_input():
    from mmkd_plugins.evaluation import ECE
    with pytest.raises(ValueError, match='n_bins'):
        ECE(n_bins=0)
    with pytest.raises(ValueError, match='probs'):
        expected_calibration_error(PROBS, LABELS[:3])
