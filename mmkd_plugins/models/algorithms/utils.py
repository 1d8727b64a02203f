"""Helpers that several distillation algorithms share: the config's data preprocessor handed to
the wrapped classifier, and the checks on teachers and recorders that turn silent mistakes into
errors naming the field (used by ``PSKD``, ``TeacherDistill``, ``IEFactorExtraction`` and
``DML`` / ``IEDML``)."""
import os.path as osp

from mmengine.runner import load_checkpoint


def merge_data_preprocessor(architecture, data_preprocessor):
    """Hand a config's top-level ``data_preprocessor`` to the wrapped classifier.

    mmengine's Runner puts the config's ``data_preprocessor`` (mean/std/num_classes, usually no
    ``type``) on the outermost model, which here is the algorithm. As for a plain
    ``ImageClassifier``, it belongs to the classifier: merge it under the architecture's own
    ``data_preprocessor`` (whose keys win, e.g. ``batch_augments``) and let the algorithm use the
    classifier's preprocessor.
    """
    if isinstance(data_preprocessor, dict) and isinstance(architecture, dict) \
            and 'type' in architecture:
        architecture = dict(architecture)
        architecture['data_preprocessor'] = {
            **data_preprocessor, **(architecture.get('data_preprocessor') or {})
        }
        data_preprocessor = None
    return architecture, data_preprocessor


def check_recorder_sources(recorders_cfg, model, side):
    """Raise a ValueError when a ModuleOutputs/ModuleInputs recorder names no module of model."""
    names = dict(model.named_modules())
    for key, rec in (recorders_cfg or {}).items():
        if 'Module' in rec.get('type', '') and rec.get('source') not in names:
            top = sorted({n.rsplit('.', 1)[0] for n in names if n.count('.') == 2})
            raise ValueError(f'{side}_recorders.{key}: source={rec.get("source")!r} is not a '
                             f'module of the {side}; stages are e.g. {top[:12]}')


def teacher_how(teacher_config):
    """How to make a missing teacher checkpoint: a config to train, or an instruction."""
    if not teacher_config:
        return 'train the teacher first'
    if teacher_config.endswith('.py'):
        return f'train it with `python tools/train.py {teacher_config}`'
    return teacher_config


def check_teacher_ckpt(who, teacher_ckpt, teacher_config=None):
    """A local teacher checkpoint must exist (URLs are fetched by mmengine); the error says
    how to make it."""
    if not teacher_ckpt or ('://' not in teacher_ckpt and not osp.isfile(teacher_ckpt)):
        raise FileNotFoundError(f'{who}: teacher checkpoint teacher_ckpt={teacher_ckpt!r} not '
                                f'found; {teacher_how(teacher_config)} (or `make teachers`), '
                                f'or set model.teacher_ckpt')


def load_teacher(teacher, teacher_ckpt):
    """Load the teacher strictly and keep init_weights() from overwriting it."""
    load_checkpoint(teacher, teacher_ckpt, map_location='cpu', strict=True, logger='current')
    teacher._is_init = True
