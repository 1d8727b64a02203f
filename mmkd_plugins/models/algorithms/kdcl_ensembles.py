"""The four ensemble teachers of KDCL (Guo et al., "Online Knowledge Distillation via
Collaborative Learning", CVPR 2020, Sec. 3.2). Each maps the m students' logits ``z_1..z_m``
(B x C each) and the labels to one B x C teacher logit ``z_t``; the caller detaches it.

- :class:`NaiveEnsemble` (KDCL-Naive): the logits of the member with the lowest cross-entropy,
  chosen per sample (``per='sample'``, default: the paper's "the member with the lowest
  cross-entropy" read for each image) or once for the whole batch (``per='batch'``).
- :class:`LinearEnsemble` (KDCL-Linear): ``z_t = sum_i a_i z_i`` with learnable ``a`` (initialised
  to 1/m), trained by the cross-entropy of ``z_t`` against the labels on detached member logits
  (:meth:`LinearEnsemble.loss`), as the paper's ``min_a CE(sum_i a_i z_i, y)``; optionally
  constrained to the simplex (``constraint='simplex'``: ``a = softmax(w)``).
- :class:`MinLogitEnsemble` (KDCL-MinLogit): ``z_t^c = min_i (z_i^c - z_i^y)``: each member's
  logits minus its ground-truth logit, the per-class minimum over members (the true class is 0
  for every member, every other class takes its most confident "against" margin).
- :class:`GeneralEnsemble` (KDCL-General): ``z_t = sum_i w_i z_i`` with ``w`` minimising the
  estimated generalization error ``w^T C w`` subject to ``sum_i w_i = 1`` (Lagrange multipliers):
  ``w = C^{-1} 1 / (1^T C^{-1} 1)``, where ``C_ij = E[(p_i - y)^T (p_j - y)]`` is the covariance of
  the members' softmax errors on held-out data (:meth:`GeneralEnsemble.fit`, run at an interval
  by a hook). Our choices: ``C`` is built from softmax probabilities against one-hot labels, and
  ``ridge * trace(C)/m`` is added to its diagonal before solving, so correlated members keep
  ``C`` invertible; until the first fit ``w = 1/m``.
"""
import inspect

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...registry import KDCL_ENSEMBLES


def _stack(logits):
    if len(logits) < 2:
        raise ValueError(f'KDCL ensembles need m >= 2 members, got {len(logits)}')
    return torch.stack(list(logits))  # m x B x C


@KDCL_ENSEMBLES.register_module('Naive')
class NaiveEnsemble(nn.Module):
    """The lowest-cross-entropy member's logits, per sample or per batch.

    Args:
        per (str): 'sample' (default): for each sample, the logits of the member whose CE on
            that sample is lowest; 'batch': the logits of the member whose mean CE on the batch
            is lowest, for every sample. Ties go to the lowest member index.
    """

    PER = ('sample', 'batch')

    def __init__(self, per='sample'):
        super().__init__()
        if per not in self.PER:
            raise ValueError(f'NaiveEnsemble: per={per!r} must be one of {self.PER}')
        self.per = per

    def forward(self, logits, labels):
        z = _stack(logits)  # m x B x C
        ce = torch.stack([F.cross_entropy(zi, labels, reduction='none') for zi in z])  # m x B
        if self.per == 'batch':
            self.last_choice = int(ce.mean(1).argmin())
            return z[self.last_choice]
        choice = ce.argmin(0)  # B
        self.last_choice = choice
        return z.gather(0, choice.view(1, -1, 1).expand(1, -1, z.shape[2])).squeeze(0)


@KDCL_ENSEMBLES.register_module('MinLogit')
class MinLogitEnsemble(nn.Module):
    """Per-class minimum of ``z_i - z_i[y]`` over members."""

    def forward(self, logits, labels):
        z = _stack(logits)
        gt = z.gather(2, labels.view(1, -1, 1).expand(z.shape[0], -1, 1))
        return (z - gt).min(dim=0).values


@KDCL_ENSEMBLES.register_module('Linear')
class LinearEnsemble(nn.Module):
    """``sum_i a_i z_i`` with learnable ``a``.

    Args:
        num_members (int): m.
        constraint (str): 'none' (default): ``a`` unconstrained, initialised to 1/m (the
            paper's ``min_a CE(sum_i a_i z_i, y)`` states no constraint); 'simplex': ``a`` =
            softmax of learnable logits (initialised to 0, so ``a = 1/m``): non-negative
            weights that sum to 1, a convex combination whose scale cannot grow to sharpen
            the target.
    """

    CONSTRAINTS = ('none', 'simplex')

    def __init__(self, num_members, constraint='none'):
        super().__init__()
        if not isinstance(num_members, int) or num_members < 2:
            raise ValueError(f'LinearEnsemble: num_members={num_members!r} must be an int >= 2')
        if constraint not in self.CONSTRAINTS:
            raise ValueError(f'LinearEnsemble: constraint={constraint!r} must be one of '
                             f'{self.CONSTRAINTS}')
        self.constraint = constraint
        if constraint == 'none':
            self.weights = nn.Parameter(torch.full((num_members, ), 1.0 / num_members))
        else:
            self.weight_logits = nn.Parameter(torch.zeros(num_members))

    @property
    def coefficients(self):
        """The weights ``a`` the ensemble applies (m)."""
        if self.constraint == 'simplex':
            return torch.softmax(self.weight_logits, dim=0)
        return self.weights

    def forward(self, logits, labels=None):
        z = _stack(logits)
        a = self.coefficients
        if z.shape[0] != len(a):
            raise ValueError(f'LinearEnsemble: {z.shape[0]} members, {len(a)} weights')
        return torch.einsum('m,mbc->bc', a, z)

    def loss(self, logits, labels):
        """CE of the ensemble on detached member logits: trains ``a`` only."""
        return F.cross_entropy(self([z.detach() for z in logits]), labels)


@KDCL_ENSEMBLES.register_module('General')
class GeneralEnsemble(nn.Module):
    """``sum_i w_i z_i`` with ``w`` from the held-out error covariance (closed form)."""

    def __init__(self, num_members, ridge=1e-4):
        super().__init__()
        if not isinstance(num_members, int) or num_members < 2:
            raise ValueError(f'GeneralEnsemble: num_members={num_members!r} must be an int >= 2')
        if ridge < 0:
            raise ValueError(f'GeneralEnsemble: ridge={ridge} must be >= 0')
        self.ridge = ridge
        self.register_buffer('weights', torch.full((num_members, ), 1.0 / num_members))
        self.driven_by_hook = False  # set by KDCLGeneralHook, which refits the weights

    @torch.no_grad()
    def set_from_covariance(self, cov):
        """Set ``w`` from an error covariance (m x m) estimated on held-out data."""
        self.weights.copy_(self.solve(cov, self.ridge).to(self.weights.device))
        return self.weights

    @staticmethod
    def solve(cov, ridge=0.0):
        """``argmin_w w^T C w`` s.t. ``sum w = 1``: ``C^{-1} 1 / (1^T C^{-1} 1)``."""
        cov = cov.double()
        m = cov.shape[0]
        cov = cov + ridge * torch.trace(cov) / m * torch.eye(m, dtype=cov.dtype)
        x = torch.linalg.solve(cov, torch.ones(m, dtype=cov.dtype))
        return (x / x.sum()).float()

    @staticmethod
    def error_covariance(probs, labels):
        """``C_ij = mean_n (p_i(n) - y(n))^T (p_j(n) - y(n))`` from m x N x C softmax outputs."""
        probs = torch.as_tensor(probs).double()
        err = probs - F.one_hot(labels, probs.shape[-1]).double().unsqueeze(0)
        return torch.einsum('inc,jnc->ij', err, err) / probs.shape[1]

    def fit(self, probs, labels):
        """Set ``w`` from held-out softmax outputs (m x N x C) and labels (N)."""
        return self.set_from_covariance(self.error_covariance(probs, labels))

    def forward(self, logits, labels=None):
        z = _stack(logits)
        if z.shape[0] != len(self.weights):
            raise ValueError(f'GeneralEnsemble: {z.shape[0]} members, {len(self.weights)} weights')
        return torch.einsum('m,mbc->bc', self.weights.to(z.dtype), z)


def build_ensemble(cfg, num_members):
    """``dict(type=NAME, ...)`` -> the ensemble module registered as NAME in ``KDCL_ENSEMBLES``
    (``'Naive'``, ``'Linear'``, ``'MinLogit'``, ``'General'``, or a user's own), with
    ``num_members`` filled in when its ``__init__`` takes it."""
    cfg = dict(cfg)
    kind = cfg.pop('type', None)
    cls = KDCL_ENSEMBLES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f'KDCL: ensemble type={kind!r} is not one of '
                         f'{sorted(KDCL_ENSEMBLES.module_dict)}; register your own with '
                         f'@mmkd_plugins.registry.KDCL_ENSEMBLES.register_module()')
    signature = inspect.signature(cls.__init__).parameters.values()
    params = [p.name for p in signature
              if p.name != 'self' and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    takes_any = cls.__init__ is not nn.Module.__init__ and any(
        p.kind == p.VAR_KEYWORD for p in signature)
    if 'num_members' in params:
        cfg['num_members'] = num_members
        params.remove('num_members')
    unknown = sorted(set(cfg) - set(params) - {'num_members'})
    if unknown and not takes_any:
        if not params:
            raise ValueError(f'KDCL: ensemble {kind} takes no arguments, got {unknown}')
        raise ValueError(f"KDCL: ensemble {kind} takes only {', '.join(map(repr, params))}, got "
                         f'{unknown}')
    return cls(**cfg)  # resolved above (a registry build would look for the config's scope)
