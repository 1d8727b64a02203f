"""What a distillation run is doing, measured on fixed, un-augmented image sets: a subset of the
training images (the fit) and, beside it, a subset of the held-out images (what generalises).

Every algorithm answers through :class:`~mmkd_plugins.models.algorithms.DistillMethod`:
:meth:`~mmkd_plugins.models.algorithms.DistillMethod.distill_view` runs it on one batch and
returns what it trains each student *towards*, at the temperature ``T`` its loss compares them
(KD, TAKD, ESKD, IE-KD + KD: the frozen teacher's ``softmax(z_t / T)`` at the KD loss's ``tau``;
FitNets, AT: the teacher's softmax, ``T = 1``, and every ``distill.*`` term; PS-KD: ``p_{t-1}``;
KDCL: the ensemble's ``softmax(z_e / T)``; DML / IE-DML: the peers' mean softmax at ``T``; IE-KD
stage 1: no student, its reconstruction loss). A plain classifier is described by its fit alone
(a baseline's curve to compare with), and so is a user's own algorithm until it implements the
interface.

:func:`diagnose` turns these into per-image means over a data loader, per student:

- ``fit_top1`` (%), ``fit_nll``, ``confidence`` (mean max softmax) and ``ece`` (%, 10 bins) of
  the student;
- ``target_top1`` (% of images whose target's arg-max is the label), ``agreement`` (% of images
  where the student's and the target's arg-max match: fidelity, Stanton et al. 2021);
- at ``T = 1``: ``target_entropy`` (nats), ``target_ece`` (%) and ``kl`` (``KL(target ||
  student)``); at the method's ``T``: ``target_entropy_T``, ``target_ece_T`` and ``kl_T``
  (``KL(target_T || softmax(z_s / T))``, what the loss sees, without its ``T²``). The target at
  ``T = 1`` is ``softmax(T · log target_T)``, exact for a tempered softmax;

and the method's ``temperature`` and learned values (``ensemble_weight{i}``, ``alpha_t``,
``distillation_stopped``, loss terms), named by :func:`log_name`. Under DDP each rank scores its
shard and the sums are gathered: every rank returns the values of the whole set.
:class:`~mmkd_plugins.engine.hooks.DistillDiagnosticsHook` logs them at every validation.
"""
import re

import torch
import torch.distributed as dist
import torch.nn.functional as F

from ..models.algorithms.method import describe
from .calibration import reliability_bins
from ..utils import sample_labels

ECE_BINS = 10


def log_name(key):
    """A loss key as the diagnostics log it, without ``loss`` (``distill.loss_kl`` ->
    ``distill.kl``, ``student.loss`` -> ``student``, ``loss_pskd`` -> ``pskd``): mmengine's
    LogProcessor averages every scalar whose name contains ``loss`` over its last 10 entries, at
    validation too, and a diagnostic is one measurement, logged as it is."""
    return re.sub(r'loss_?', '', key).replace('..', '.').strip('._') or 'total'


@torch.no_grad()
def distill_view(model, inputs, data_samples, teacher_cache=None, key=None, heldout=False):
    """``(students, targets, temperature, extra)`` of one batch: ``{name: logits}``,
    ``{name: target probabilities at T}`` (only for students that have a target), the method's
    ``T`` and ``{name: float}`` (losses, learned values).

    ``model`` is the unwrapped algorithm in eval mode; ``inputs`` its preprocessed batch.
    ``teacher_cache`` (a dict) keeps what does not change on the batch ``key`` between calls
    (a frozen teacher's outputs on the same images). ``heldout``: the images are not training
    images (:meth:`~mmkd_plugins.models.algorithms.DistillMethod.heldout_view`)."""
    if isinstance(inputs, (list, tuple)):  # a multi-view preprocessor: the first view
        inputs = inputs[0]
    method = describe(model)
    view = (method.heldout_view if heldout else method.distill_view)(
        inputs, data_samples, teacher_cache, key)
    return view.logits, view.targets, float(view.temperature), view.extra


def _bins(prefix, p, labels):
    """Per-bin sums of the package's one calibration binning
    (:func:`~mmkd_plugins.evaluation.calibration.reliability_bins`, ``(lo, hi]``): image count,
    confidence and correct, so that batches and ranks add up."""
    out = {}
    for b, bin_ in enumerate(reliability_bins(p, labels, ECE_BINS)):
        n = bin_['count']
        out[f'{prefix}#bin{b}/n'] = n
        out[f'{prefix}#bin{b}/conf'] = n * bin_['confidence'] if n else 0.0
        out[f'{prefix}#bin{b}/right'] = n * bin_['accuracy'] if n else 0.0
    return out


def _entropy(p, logp):
    return -(p * logp).sum()


def _per_image_sums(students, targets, temperature, labels):
    out = {}
    t = temperature
    for name, z in students.items():
        logp = F.log_softmax(z, dim=1)
        p = logp.exp()
        out[f'{name}/fit_top1'] = 100.0 * (z.argmax(1) == labels).sum()
        out[f'{name}/fit_nll'] = -logp.gather(1, labels[:, None]).sum()
        out[f'{name}/confidence'] = p.max(1).values.sum()
        out.update(_bins(f'{name}/ece', p, labels))
        pt = targets.get(name)
        if pt is None:
            continue
        log_pt = pt.clamp_min(1e-12).log()
        log_p1 = F.log_softmax(t * log_pt, dim=1)  # the same target at T = 1
        p1 = log_p1.exp()
        out[f'{name}/target_top1'] = 100.0 * (pt.argmax(1) == labels).sum()
        out[f'{name}/agreement'] = 100.0 * (pt.argmax(1) == z.argmax(1)).sum()
        out[f'{name}/target_entropy'] = _entropy(p1, log_p1)
        out[f'{name}/kl'] = (p1 * (log_p1 - logp)).sum()
        out.update(_bins(f'{name}/target_ece', p1, labels))
        out[f'{name}/target_entropy_T'] = _entropy(pt, log_pt)
        out[f'{name}/kl_T'] = (pt * (log_pt - F.log_softmax(z / t, dim=1))).sum()
        out.update(_bins(f'{name}/target_ece_T', pt, labels))
    return out


def _gathered(sums, n):
    """The sums (and the image count) of every rank, under DDP; as given otherwise."""
    if not (dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
        return sums, n
    keys = sorted(sums)
    flat = torch.tensor([float(sums[k]) for k in keys] + [float(n)], dtype=torch.float64)
    dist.all_reduce(flat)
    return dict(zip(keys, flat[:-1].tolist())), int(flat[-1])


def _finish(sums, n):
    """Per-image means, and each calibration histogram turned into its ECE (%)."""
    out, hist = {}, {}
    for k, v in sums.items():
        if '#bin' in k:
            prefix, rest = k.split('#bin')
            b, what = rest.split('/')
            hist.setdefault(prefix, {}).setdefault(int(b), {})[what] = float(v)
        else:
            out[k] = float(v) / max(n, 1)
    for prefix, bins in hist.items():
        out[prefix] = 100.0 * sum(abs(b['right'] - b['conf']) for b in bins.values()) / max(n, 1)
    return out


def diagnose(model, loader, teacher_cache=None, cache_key=None, heldout=False):
    """The diagnostics of ``model`` (unwrapped) over every batch of ``loader`` (un-augmented
    images, the same each call), as ``{name: float}``; the model's train/eval mode is restored.
    ``teacher_cache``: a dict kept between calls (see :func:`distill_view`); ``cache_key``
    tells the batches of one loader from another's in it (the batch index alone by default);
    ``heldout``: the loader's images are not training images (each method's ``heldout_view``).
    Under DDP (the loader's sampler sharding the set without padding) the values are those of
    the whole set, on every rank."""
    was_training = model.training
    model.eval()
    sums, n = {}, 0
    try:
        with torch.no_grad():
            for i, batch in enumerate(loader):
                data = model.data_preprocessor(batch, False)
                key = i if cache_key is None else (cache_key, i)
                students, targets, temperature, extra = distill_view(
                    model, data['inputs'], data['data_samples'], teacher_cache, key, heldout)
                labels = sample_labels(data['data_samples'])
                if students:
                    labels = labels.to(next(iter(students.values())).device)
                # a batch's values (its mean loss terms, learned values) weigh as its images do
                values = _per_image_sums(students, targets, temperature, labels)
                values.update({log_name(k): v * len(labels) for k, v in extra.items()})
                if targets:
                    values['temperature'] = temperature * len(labels)
                for k, v in values.items():
                    sums[k] = sums.get(k, 0.0) + float(v)
                n += len(labels)
    finally:
        model.train(was_training)
    return _finish(*_gathered(sums, n))
