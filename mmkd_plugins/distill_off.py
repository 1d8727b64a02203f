"""The control run of a distillation config: the same network trained alone by the same code.

``tools/train.py CONFIG --distill-off`` (or :func:`distill_off` on a loaded config) sets every
distillation weight to 0 and every cross-entropy weight to 1, and keeps everything else: data,
views, pipeline, schedule, hooks, seed, even the teacher's forward. So a run that ends below its
baseline can be compared with *this* run, which differs from it by the distillation terms only
(the question of mmrazor #119: "when I remove the distillation loss, is the student training
equivalent?"). For a teacher-student config the control's losses equal the plain classifier's
step by step on the same seed (tested): the teacher is built without touching the random state
(``TeacherDistill``), so the student starts from the weights it gets alone.

=====================  ======================================================================
``model.type``         what is switched off
=====================  ======================================================================
``TeacherDistill``     every ``distiller.distill_losses.*.loss_weight`` -> 0; the student
                       head's ``loss.loss_weight`` -> 1 (KD's 0.1 CE is not the plain loss)
``PSKD``               ``alpha_T`` -> 0 (the target is the label: plain cross-entropy);
                       ``loss_weight`` -> 1
``KDCL``, ``DML``      ``kd_weight`` -> 0, ``ce_weight`` -> 1
``IEDML``              also ``lambda_inh``, ``lambda_exp``, ``rec_weight`` -> 0
=====================  ======================================================================

Anything else (a plain classifier, IE-KD stage 1) has no distillation to switch off and is
refused with the reason.
"""

TEACHER_STUDENT = ('TeacherDistill', 'SingleTeacherDistill')
ONLINE = ('KDCL', 'DML', 'IEDML')


def _kind(model_type):
    return str(model_type).rsplit('.', 1)[-1]


def distill_off(cfg):
    """Turn ``cfg`` (an mmengine ``Config``) into its control run, in place; returns a list of
    the ``'field: old -> new'`` changes made."""
    model = cfg.model
    kind = _kind(model.get('type'))
    changes = []

    def set_(node, key, value, where):
        old = node.get(key, '(default)')
        node[key] = value
        changes.append(f'{where}.{key}: {old} -> {value}')

    if kind in TEACHER_STUDENT:
        losses = (model.get('distiller') or {}).get('distill_losses') or {}
        if not losses:
            raise ValueError(f'--distill-off: model.distiller.distill_losses of this '
                             f'{kind} is empty; there is nothing to switch off')
        for name, loss in losses.items():
            set_(loss, 'loss_weight', 0.0, f'model.distiller.distill_losses.{name}')
        head_loss = ((model.get('architecture') or {}).get('head') or {}).get('loss')
        if isinstance(head_loss, dict):
            set_(head_loss, 'loss_weight', 1.0, 'model.architecture.head.loss')
    elif kind == 'PSKD':
        set_(model, 'alpha_T', 0.0, 'model')
        set_(model, 'loss_weight', 1.0, 'model')
    elif kind in ONLINE:
        set_(model, 'kd_weight', 0.0, 'model')
        set_(model, 'ce_weight', 1.0, 'model')
        if kind == 'IEDML':
            for key in ('lambda_inh', 'lambda_exp', 'rec_weight'):
                set_(model, key, 0.0, 'model')
    else:
        raise ValueError(
            f'--distill-off: model.type={model.get("type")!r} has no distillation to switch off '
            f'(it applies to {", ".join(TEACHER_STUDENT + ("PSKD", ) + ONLINE)}); a plain '
            f'classifier is already its own control, IE-KD stage 1 trains no student')
    return changes
