"""What a distillation run is doing, measured on a fixed set of un-augmented training images.

For every algorithm family of the package, :func:`distill_view` runs the model on one batch and
returns what the method trains each student *towards*:

============================  ==================================================================
family                        target of each student
============================  ==================================================================
plain classifier              none (the fit alone: a baseline's curve to compare with)
``TeacherDistill`` (KD, TAKD,  the frozen teacher's softmax (T = 1); and every ``distill.*``
ESKD, FitNets, AT, IE-KD)     loss term on the batch (the feature losses of FitNets, AT, IE-KD)
``PSKD``                      ``p_{t-1}``: the memory row of each image (last epoch's softmax;
                              the label itself before it is written) or the snapshot's softmax
``KDCL``                      the ensemble's ``softmax(z_t / T)``, the same for every student
``DML`` / ``IEDML``           the mean softmax of the peers at ``T``
``IEFactorExtraction``        none (stage 1 has no student; its reconstruction loss)
============================  ==================================================================

:func:`diagnose` turns these into scalars over a data loader: per student ``fit_top1`` (%),
``fit_nll`` and ``confidence`` (mean max softmax); per target ``target_top1`` (% of images whose
target's arg-max is the label), ``target_entropy`` (nats), ``agreement`` (% of images where the
student's and the target's arg-max match) and ``kl`` (``KL(target || student)``, nats); and the
learned quantities (``ensemble_weight{i}``, ``alpha_t``, ``distillation_stopped``).
:class:`~mmkd_plugins.engine.hooks.DistillDiagnosticsHook` logs them at every validation.
"""
import contextlib

import torch
import torch.nn.functional as F

from ..utils import sample_labels

TEACHER_CACHE_MIB = 512  # a frozen teacher's outputs kept between validations, at most


def _logits(net, inputs):
    return net(inputs, mode='tensor').float()


@contextlib.contextmanager
def _capture(modules):
    """Record each module's last output (``{name: tensor}``) while the block runs."""
    out, handles = {}, []
    for name, module in modules.items():
        handles.append(module.register_forward_hook(
            lambda m, args, output, name=name: out.__setitem__(name, output)))
    try:
        yield out
    finally:
        for h in handles:
            h.remove()


def _scalar(v):
    if isinstance(v, (list, tuple)):
        return float(sum(float(x) for x in v))
    return float(v)


def family(model):
    """The family name :func:`distill_view` treats ``model`` as."""
    if hasattr(model, 'students'):
        return 'online'  # KDCL, DML, IEDML
    if hasattr(model, 'alpha_t') and hasattr(model, 'architecture'):
        return 'pskd'
    if hasattr(model, 'distiller') and hasattr(model, 'architecture'):
        return 'teacher_student'
    if hasattr(model, 'auto_encoder'):
        return 'iekd_stage1'
    return 'plain'


def _teacher_student(model, inputs, data_samples, teacher_cache=None, key=None):
    """(student logits, teacher logits, ``distill.*`` losses) of mmrazor's SingleTeacherDistill:
    its own ``loss``, except that a frozen teacher's forward on these (fixed) images is done once
    and kept in ``teacher_cache[key]`` (its logits and what its recorders recorded), so later
    calls run the student alone and replay the teacher's records into the distill losses."""
    distiller = model.distiller
    cacheable = (teacher_cache is not None and not model.teacher_trainable
                 and not len(distiller.deliveries.deliveries))
    if not cacheable:
        with _capture(dict(student=model.architecture.head, teacher=model.teacher.head)) as seen:
            losses = model.loss(inputs, data_samples)
        return seen['student'].float(), seen['teacher'].float(), losses
    if key in teacher_cache:
        zt, records = teacher_cache[key]
    else:
        with _capture(dict(teacher=model.teacher.head)) as seen, distiller.teacher_recorders:
            model.teacher(inputs, data_samples, mode='loss')
        zt = seen['teacher'].float()
        records = {n: list(r.data_buffer) for n, r in distiller.teacher_recorders.recorders.items()}
        size = zt.nbytes + sum(t.nbytes for rec in records.values() for t in rec
                               if isinstance(t, torch.Tensor))
        if teacher_cache.get('bytes', 0) + size <= TEACHER_CACHE_MIB * 2 ** 20:  # else: recompute
            teacher_cache[key] = (zt, records)
            teacher_cache['bytes'] = teacher_cache.get('bytes', 0) + size
    with _capture(dict(student=model.architecture.head)) as seen, distiller.student_recorders:
        model.architecture(inputs, data_samples, mode='loss')
    for name, recorder in distiller.teacher_recorders.recorders.items():
        recorder._data_buffer = list(records[name])
    losses = {} if model.distillation_stopped else {
        f'distill.{k}': v for k, v in distiller.compute_distill_losses().items()}
    return seen['student'].float(), zt, losses


@torch.no_grad()
def distill_view(model, inputs, data_samples, teacher_cache=None, key=None):
    """``(students, targets, extra)`` of one batch: ``{name: logits}``, ``{name: target probs}``
    (only for students that have a target) and ``{name: float}`` (losses, learned values).

    ``model`` is the unwrapped algorithm in eval mode; ``inputs`` its preprocessed batch.
    ``teacher_cache`` (a dict) keeps a frozen teacher's outputs on the batch ``key`` between
    calls (the same images each time: their teacher outputs do not change)."""
    if isinstance(inputs, (list, tuple)):  # a multi-view preprocessor: the first view
        inputs = inputs[0]
    labels = sample_labels(data_samples, inputs.device)
    kind = family(model)
    students, targets, extra = {}, {}, {}
    if kind == 'online':
        logits = [_logits(s, inputs) for s in model.students]
        t = model.temperature
        if model.ensemble is not None:
            target = F.softmax(model.ensemble(logits, labels).float() / t, dim=1)
            weights = getattr(model.ensemble, 'coefficients', None)  # KDCL-Linear's a
            if weights is None:
                weights = getattr(model.ensemble, 'weights', None)
            if isinstance(weights, torch.Tensor):
                extra.update({f'ensemble_weight{i}': float(w) for i, w in enumerate(weights)})
        probs = [F.softmax(z / t, dim=1) for z in logits]
        m = len(logits)
        for i, z in enumerate(logits):
            students[f'student{i}'] = z
            targets[f'student{i}'] = target if model.ensemble is not None else (
                sum(probs[j] for j in range(m) if j != i) / (m - 1))
    elif kind == 'pskd':
        z = _logits(model.architecture, inputs)
        onehot = F.one_hot(labels, model.num_classes).float()
        if model.source == 'memory' and model.memory is not None:
            indices = model._sample_indices(data_samples)
            prior = model.memory.read(indices, fallback=onehot)
        elif model.source == 'snapshot' and model.snapshot is not None:
            prior = F.softmax(_logits(model.snapshot, inputs), dim=1)
        else:  # nothing learnt yet: p_{-1} is the label
            prior = onehot
        students['student'], targets['student'] = z, prior
        extra['alpha_t'] = float(model.alpha_t)
    elif kind == 'teacher_student':
        z, zt, losses = _teacher_student(model, inputs, data_samples, teacher_cache, key)
        students['student'], targets['student'] = z, F.softmax(zt, dim=1)
        extra.update({k: _scalar(v) for k, v in losses.items() if k.startswith('distill.')})
        if hasattr(model, 'distillation_stopped'):
            extra['distillation_stopped'] = float(bool(model.distillation_stopped))
    elif kind == 'iekd_stage1':
        extra.update({k: _scalar(v) for k, v in model.loss(inputs, data_samples).items()})
    else:
        students['student'] = _logits(model, inputs)
    return students, targets, extra


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
    per_image, per_batch = _Mean(), _Mean()
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
                per_batch.add(extra, 1)
    finally:
        model.train(was_training)
    out = per_image.result()
    out.update(per_batch.result())
    return out
