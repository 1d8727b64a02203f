"""KDCL's ensemble teachers on hand-written logits, against values computed by hand."""
import pytest
import torch
import torch.nn.functional as F

from mmkd_plugins.models.algorithms.kdcl_ensembles import (GeneralEnsemble, LinearEnsemble,
                                                           MinLogitEnsemble, NaiveEnsemble,
                                                           build_ensemble)

# two members, two samples, three classes; labels 0 and 2
Z1 = torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0]])
Z2 = torch.tensor([[1.0, 0.0, 2.0], [1.0, 0.0, 4.0]])
Y = torch.tensor([0, 2])


def test_minlogit_subtracts_the_true_logit_and_takes_the_classwise_min():
    # member 1: [[0,-1,-2],[-1,2,0]]; member 2: [[0,-1,1],[-3,-4,0]]
    expected = torch.tensor([[0.0, -1.0, -2.0], [-3.0, -4.0, 0.0]])
    assert torch.equal(MinLogitEnsemble()([Z1, Z2], Y), expected)


def test_naive_per_batch_picks_the_member_with_lowest_mean_cross_entropy():
    ens = NaiveEnsemble(per='batch')
    ce1 = F.cross_entropy(Z1, Y).item()  # member 1 puts little mass on class 2 of sample 2
    ce2 = F.cross_entropy(Z2, Y).item()
    assert ce2 < ce1
    assert torch.equal(ens([Z1, Z2], Y), Z2) and ens.last_choice == 1
    assert torch.equal(ens([Z2, Z1], Y), Z2) and ens.last_choice == 0


def test_naive_per_sample_picks_the_lowest_cross_entropy_member_of_each_sample():
    # sample 0 (label 0): CE(Z1) = log(1 + e^-1 + e^-2) = 0.408 < CE(Z2) = 1.408 -> member 1;
    # sample 1 (label 2): CE(Z1) = log(1 + e^3 + e) - 1 = 2.17 > CE(Z2) = 0.066 -> member 2
    ens = NaiveEnsemble()  # per='sample' is the default
    assert ens.per == 'sample'
    expected = torch.tensor([[2.0, 1.0, 0.0], [1.0, 0.0, 4.0]])
    assert torch.equal(ens([Z1, Z2], Y), expected)
    assert ens.last_choice.tolist() == [0, 1]
    assert torch.equal(ens([Z2, Z1], Y), expected) and ens.last_choice.tolist() == [1, 0]
    # three members, the middle one best on sample 1 only
    z3 = torch.tensor([[0.0, 5.0, 0.0], [0.0, 0.0, 9.0]])
    assert torch.equal(ens([Z1, z3, Z2], Y), torch.tensor([[2.0, 1.0, 0.0], [0.0, 0.0, 9.0]]))
    assert ens.last_choice.tolist() == [0, 1]
    # the batch reading differs on this batch: it gives Z2 to both samples
    assert not torch.equal(NaiveEnsemble(per='batch')([Z1, Z2], Y), expected)


def test_naive_granularity_is_checked():
    with pytest.raises(ValueError, match="per='image'"):
        NaiveEnsemble(per='image')
    with pytest.raises(ValueError, match="only 'per'"):
        build_ensemble(dict(type='Naive', ridge=1), 2)
    assert build_ensemble(dict(type='Naive', per='batch'), 2).per == 'batch'


def test_linear_is_the_weighted_sum_and_only_its_weights_learn():
    ens = LinearEnsemble(2)
    assert torch.allclose(ens([Z1, Z2]), 0.5 * Z1 + 0.5 * Z2)
    with torch.no_grad():
        ens.weights.copy_(torch.tensor([0.25, 0.75]))
    assert torch.allclose(ens([Z1, Z2]), 0.25 * Z1 + 0.75 * Z2)
    z1, z2 = Z1.clone().requires_grad_(), Z2.clone().requires_grad_()
    ens.loss([z1, z2], Y).backward()
    assert z1.grad is None and z2.grad is None
    # d CE / d a_i = sum_b (softmax(z_t) - y)_b . z_i(b) / B
    p = F.softmax(0.25 * Z1 + 0.75 * Z2, 1) - F.one_hot(Y, 3)
    expected = torch.stack([(p * Z1).sum() / 2, (p * Z2).sum() / 2])
    assert torch.allclose(ens.weights.grad, expected, atol=1e-6)


def test_general_closed_form_on_a_known_covariance():
    # C = [[1, 0], [0, 4]]: C^-1 1 = [1, 1/4] -> w = [0.8, 0.2]
    w = GeneralEnsemble.solve(torch.tensor([[1.0, 0.0], [0.0, 4.0]]))
    assert torch.allclose(w, torch.tensor([0.8, 0.2]))
    # C = [[2, 1], [1, 2]] (correlated, symmetric): w = [0.5, 0.5]
    assert torch.allclose(GeneralEnsemble.solve(torch.tensor([[2.0, 1.0], [1.0, 2.0]])),
                          torch.tensor([0.5, 0.5]))
    # three members, C = diag(1, 2, 4): w proportional to (1, 1/2, 1/4)
    w = GeneralEnsemble.solve(torch.diag(torch.tensor([1.0, 2.0, 4.0])))
    assert torch.allclose(w, torch.tensor([4.0, 2.0, 1.0]) / 7)


def test_general_error_covariance_and_fit_by_hand():
    # member 1 perfect on both samples, member 2 wrong by 0.5 on each class of sample 1
    p1 = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    p2 = torch.tensor([[0.5, 0.5], [0.0, 1.0]])
    labels = torch.tensor([0, 1])
    cov = GeneralEnsemble.error_covariance(torch.stack([p1, p2]), labels)
    # errors member 2: sample 1 (-0.5, 0.5) -> squared norm 0.5, mean over 2 samples 0.25
    assert torch.allclose(cov, torch.tensor([[0.0, 0.0], [0.0, 0.25]], dtype=torch.float64))
    ens = GeneralEnsemble(2, ridge=1e-3)
    w = ens.fit(torch.stack([p1, p2]), labels)
    assert w[0] > 0.99 and torch.isclose(w.sum(), torch.tensor(1.0))
    assert torch.allclose(ens([Z1, Z2]), w[0] * Z1 + w[1] * Z2)
    assert 'weights' in ens.state_dict()  # w is saved in checkpoints


@pytest.mark.parametrize('cfg,field', [
    (dict(type='Mean'), 'type'),
    (dict(type='MinLogit', tau=2), 'arguments'),
    (dict(type='General', ridge=-1), 'ridge'),
])
def test_bad_ensemble_config(cfg, field):
    with pytest.raises(ValueError, match=field):
        build_ensemble(cfg, 2)


def test_a_single_member_is_refused():
    with pytest.raises(ValueError, match='m >= 2'):
        MinLogitEnsemble()([Z1], Y)
    with pytest.raises(ValueError, match='num_members'):
        build_ensemble(dict(type='Linear'), 1)


def test_linear_on_the_simplex_is_a_convex_combination_with_the_softmax_gradient():
    ens = LinearEnsemble(2, constraint='simplex')
    assert torch.allclose(ens.coefficients, torch.tensor([0.5, 0.5]))  # zeros -> 1/m
    with torch.no_grad():
        ens.weight_logits.copy_(torch.tensor([0.0, torch.log(torch.tensor(3.0))]))
    assert torch.allclose(ens.coefficients, torch.tensor([0.25, 0.75]))
    assert torch.allclose(ens([Z1, Z2]), 0.25 * Z1 + 0.75 * Z2)
    ens.loss([Z1, Z2], Y).backward()
    # chain rule through a = softmax(w): dL/dw = J^T dL/da, J = diag(a) - a a^T
    p = F.softmax(0.25 * Z1 + 0.75 * Z2, 1) - F.one_hot(Y, 3)
    g_a = torch.stack([(p * Z1).sum() / 2, (p * Z2).sum() / 2])
    a = torch.tensor([0.25, 0.75])
    assert torch.allclose(ens.weight_logits.grad, (torch.diag(a) - a[:, None] * a) @ g_a,
                          atol=1e-6)
    assert not hasattr(ens, 'weights')
    with pytest.raises(ValueError, match=r"constraint='sum1' must be one of \('none', "
                                         r"'simplex'\)"):
        LinearEnsemble(2, constraint='sum1')
    assert build_ensemble(dict(type='Linear', constraint='simplex'), 2).constraint == 'simplex'
