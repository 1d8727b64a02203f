"""The control run of a distillation config: the same network trained alone by the same code.

``tools/train.py CONFIG --distill-off`` (or :func:`distill_off` on a loaded config) sets every
distillation weight to 0 and every cross-entropy weight to 1, and keeps everything else: data,
views, pipeline, schedule, hooks, seed, even the teacher's forward. So a run that ends below its
baseline can be compared with *this* run, which differs from it by the distillation terms only
(the question of mmrazor #119: "when I remove the distillation loss, is the student training
equivalent?"). For a teacher-student config the control's losses equal the plain classifier's
step by step on the same seed (tested): the teacher is built without touching the random state
(``TeacherDistill``), so the student starts from the weights it gets alone.

What is switched off is the algorithm's own answer
(:meth:`~mmkd_plugins.models.algorithms.DistillMethod.control_run`, looked up from
``model.type`` in the registry):

=====================  ======================================================================
``model.type``         what is switched off
=====================  ======================================================================
``TeacherDistill``     every ``distiller.distill_losses.*.loss_weight`` -> 0; the student
                       head's ``loss.loss_weight`` -> 1 (KD's 0.1 CE is not the plain loss)
``PSKD``               ``alpha_T`` -> 0 (the target is the label: plain cross-entropy);
                       ``loss_weight`` -> 1
``KDCL``, ``DML``      ``kd_weight`` -> 0, ``ce_weight`` -> 1
``IEDML``              also ``lambda_inh``, ``lambda_exp``, ``rec_weight`` -> 0
your own algorithm     what its ``control_run`` returns
=====================  ======================================================================

Anything else (a plain classifier, IE-KD stage 1) has no distillation to switch off and is
refused with the reason.
"""

from .models.algorithms.method import DistillMethod, method_class


def distill_off(cfg):
    """Turn ``cfg`` (an mmengine ``Config``) into its control run, in place; returns a list of
    the ``'field: old -> new'`` changes made."""
    model = cfg.model
    cls = method_class(model.get('type'))
    if cls is None or not issubclass(cls, DistillMethod):
        raise ValueError(
            f'--distill-off: model.type={model.get("type")!r} has no distillation to switch off '
            f'(it applies to algorithms that implement DistillMethod: TeacherDistill, PSKD, '
            f'KDCL, DML, IEDML or your own); a plain classifier is already its own control')
    try:
        fields = cls.control_run(model)
    except ValueError as e:
        raise ValueError(f'--distill-off: model.type={model.get("type")!r}: {e}') from None
    changes = []
    for field, value in fields.items():
        *parents, key = field.split('.')
        node = model
        for p in parents:
            node = node[p]
        old = node.get(key, '(default)')
        node[key] = value
        changes.append(f'model.{field}: {old} -> {value}')
    return changes
