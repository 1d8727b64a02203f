"""What a distillation run is doing, measured on a fixed set of un-augmented training images.

Every algorithm answers through :class:`~mmkd_plugins.models.algorithms.DistillMethod`:
:meth:`~mmkd_plugins.models.algorithms.DistillMethod.distill_view` runs it on one batch and
returns what it trains each student *towards* (KD, TAKD, ESKD, FitNets, AT, IE-KD: the frozen
teacher's softmax and every ``distill.*`` term; PS-KD: ``p_{t-1}``; KDCL: the ensemble's
``softmax(z_t / T)``; DML / IE-DML: the peers' mean softmax at ``T``; IE-KD stage 1: no student,
its reconstruction loss). A plain classifier is described by its fit alone (a baseline's curve
to compare with), and so is a user's own algorithm until it implements the interface.

:func:`diagnose` turns these into scalars over a data loader: per student ``fit_top1`` (%),
``fit_nll`` and ``confidence`` (mean max softmax); per target ``target_top1`` (% of images whose
target's arg-max is the label), ``target_entropy`` (nats), ``agreement`` (% of images where the
student's and the target's arg-max match) and ``kl`` (``KL(target || student)``, nats); and the
learned quantities (``ensemble_weight{i}``, ``alpha_t``, ``distillation_stopped``).
:class:`~mmkd_plugins.engine.hooks.DistillDiagnosticsHook` logs them at every validation.
"""
import torch
import torch.nn.functional as F

from ..models.algorithms.method import describe
from ..utils import sample_labels


@torch.no_grad()
def distill_view(model, inputs, data_samples, teacher_cache=None, key=None):
    """``(students, targets, extra)`` of one batch: ``{name: logits}``, ``{name: target probs}``
    (only for students that have a target) and ``{name: float}`` (losses, learned values).

    ``model`` is the unwrapped algorithm in eval mode; ``inputs`` its preprocessed batch.
    ``teacher_cache`` (a dict) keeps what does not change on the batch ``key`` between calls
    (a frozen teacher's outputs on the same images)."""
    if isinstance(inputs, (list, tuple)):  # a multi-view preprocessor: the first view
        inputs = inputs[0]
    view = describe(model).distill_view(inputs, data_samples, teacher_cache, key)
    return view.logits, view.targets, view.extra


class _Mean:
    """Sums of per-image values, averaged at the end."""

    def __init__(self):
        self.sums, self.n = {}, 0

    def add(self, values, n):
        for k, v in values.items():
            self.sums[k] = self.sums.get(k, 0.0) + float(v)
        self.n += n

    def result(self):
        return {k: v / max(self.n, 1) for k, v in self.sums.items()}


def _per_image_sums(students, targets, labels):
    out = {}
    for name, z in students.items():
        logp = F.log_softmax(z, dim=1)
        p = logp.exp()
        out[f'{name}/fit_top1'] = 100.0 * (z.argmax(1) == labels).sum()
        out[f'{name}/fit_nll'] = -logp.gather(1, labels[:, None]).sum()
        out[f'{name}/confidence'] = p.max(1).values.sum()
        pt = targets.get(name)
        if pt is None:
            continue
        log_pt = pt.clamp_min(1e-12).log()
        out[f'{name}/target_top1'] = 100.0 * (pt.argmax(1) == labels).sum()
        out[f'{name}/target_entropy'] = -(pt * log_pt).sum()
        out[f'{name}/agreement'] = 100.0 * (pt.argmax(1) == z.argmax(1)).sum()
        out[f'{name}/kl'] = (pt * (log_pt - logp)).sum()
    return out


def diagnose(model, loader, teacher_cache=None):
    """The diagnostics of ``model`` (unwrapped) over every batch of ``loader`` (un-augmented
    training images, the same each call), as ``{name: float}``; the model's train/eval mode is
    restored. ``teacher_cache``: a dict kept between calls (see :func:`distill_view`)."""
    was_training = model.training
    model.eval()
    per_image, extras = _Mean(), _Mean()
    try:
        with torch.no_grad():
            for i, batch in enumerate(loader):
                data = model.data_preprocessor(batch, False)
                students, targets, extra = distill_view(model, data['inputs'],
                                                        data['data_samples'], teacher_cache, i)
                labels = sample_labels(data['data_samples'])
                if students:
                    labels = labels.to(next(iter(students.values())).device)
                per_image.add(_per_image_sums(students, targets, labels), len(labels))
                # a batch's values (its mean loss terms, learned values) weigh as its images do:
                # per-image means, whatever the last batch's size
                extras.add({k: v * len(labels) for k, v in extra.items()}, len(labels))
    finally:
        model.train(was_training)
    out = per_image.result()
    out.update(extras.result())
    return out
