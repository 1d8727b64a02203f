"""``DistillDiagnosticsHook``: the numbers that tell why a distilled student ends below the same
network trained alone, logged as mmengine scalars (``scalars.json``, TensorBoard).

- At every validation, on a fixed subset of the *training* images (the first ``num_images`` of
  the training set, through the validation pipeline: no augmentation, the same images each time):
  the student's fit (training-image top-1, NLL, mean confidence) and what the method distils
  towards (target top-1, entropy, student-target agreement and KL), the feature-loss terms and
  the learned values of the method (:mod:`mmkd_plugins.evaluation.distill_diagnostics`), as
  ``val/diag/<student>/<name>`` and ``val/diag/<name>``. A frozen teacher's outputs on these
  fixed images do not change: they are computed at the first validation and replayed after
  (``TEACHER_CACHE_MIB`` at most), so later validations run the students alone.
- At every training iteration, from the step itself: each loss term's share of the total loss
  (``train/diag/share/<loss>``).
- Every ``grad_interval`` iterations, inside the training step: the ratio of the gradient norm at
  the student's logits of its distillation terms to that of its cross-entropy
  (``train/diag/grad_ratio/<student>``). The gradients are taken from the step's own graph before
  its backward (``torch.autograd.grad`` from the loss terms to the logits only), so the step and
  its randomness are unchanged. Not for PS-KD, whose one soft-target loss has no separate term
  (its target weight ``alpha_t`` is logged instead), nor for feature-only losses, which send no
  gradient to the logits.

One line in a config (``default_hooks``, so it merges with a method's own ``custom_hooks``)::

    default_hooks = dict(diagnostics=dict(type='DistillDiagnosticsHook', num_images=1000))

``tools/analysis/distill_report.py WORK_DIR [--baseline WORK_DIR]`` reads what it logged.
"""
import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...evaluation.distill_diagnostics import diagnose
from ...models.algorithms.method import describe
from ...utils import unwrap_model

@HOOKS.register_module()
class DistillDiagnosticsHook(Hook):
    """Log the fit, the target and the loss balance of a distillation run.

    Args:
        num_images (int): Training images scored at each validation (the first ones of the
            training set, un-augmented). Defaults to 1000.
        grad_interval (int): Iterations between two gradient-ratio samples; 0 turns them off.
            Defaults to 50.
        batch_size (int, optional): Batch size of the scoring loader; defaults to the
            validation loader's.
    """
    priority = 'NORMAL'  # after RuntimeInfoHook puts the metrics in, before LoggerHook writes

    def __init__(self, num_images=1000, grad_interval=50, batch_size=None):
        if not isinstance(num_images, int) or num_images < 1:
            raise ValueError(f'DistillDiagnosticsHook: num_images={num_images!r} must be an '
                             f'int >= 1')
        if not isinstance(grad_interval, int) or grad_interval < 0:
            raise ValueError(f'DistillDiagnosticsHook: grad_interval={grad_interval!r} must be '
                             f'an int >= 0 (0: no gradient ratios)')
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f'DistillDiagnosticsHook: batch_size={batch_size!r} must be an '
                             f'int >= 1 or None')
        self.num_images, self.grad_interval, self.batch_size = num_images, grad_interval, \
            batch_size
        self.loader, self._teacher_cache = None, None
        self.history = []  # one dict per validation: epoch, iter and every diagnostic
        self._sampling = None

    # -- the fixed training subset ------------------------------------------------------------
    def before_train(self, runner):
        cfg = runner.cfg
        if cfg.get('val_dataloader') is None:
            return
        loader = dict(cfg.val_dataloader)
        dataset = dict(cfg.train_dataloader.dataset)
        while 'dataset' in dataset and 'pipeline' not in dataset:  # dataset wrappers
            dataset = dict(dataset['dataset'])
        # the first num_images of the training set as the run uses it (a subset's first ones:
        # their sample_idx are the training samples' own, which PS-KD's memory is keyed by)
        subset = dataset.get('indices')
        if isinstance(subset, int):
            dataset['indices'] = min(self.num_images, subset)
        elif subset is not None:
            dataset['indices'] = list(subset)[:self.num_images]
        else:
            dataset['indices'] = self.num_images
        dataset['pipeline'] = cfg.val_dataloader.dataset.get('pipeline')
        dataset.pop('test_mode', None)
        # a fixed seed and a generator of its own: scoring never draws from the random state
        # the training consumes (a run with the hook trains as one without it, resumes included)
        loader.update(dataset=dataset, num_workers=0, persistent_workers=False,
                      sampler=dict(type='DefaultSampler', shuffle=False, seed=0))
        if self.batch_size:
            loader['batch_size'] = self.batch_size
        self.loader = runner.build_dataloader(loader)
        self.loader.generator = torch.Generator().manual_seed(0)
        self._teacher_cache = {}  # a frozen teacher's outputs on these images, computed once

    def after_val_epoch(self, runner, metrics=None):
        if self.loader is None:  # validation outside training (tools/test.py)
            return
        scalars = diagnose(unwrap_model(runner.model), self.loader, self._teacher_cache)
        for key, value in scalars.items():
            runner.message_hub.update_scalar(f'val/diag/{key}', value)
        self.history.append(dict(epoch=runner.epoch, iter=runner.iter, **scalars))

    # -- from the training step --------------------------------------------------------------
    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if not self.grad_interval or (runner.iter + 1) % self.grad_interval:
            return
        model = unwrap_model(runner.model)
        method = describe(model)
        modules = method.logit_modules()
        if not modules:
            return
        captured, ratios = {}, {}
        handles = [m.register_forward_hook(
            lambda mod, args, out, name=name: captured.__setitem__(name, out))
            for name, m in modules.items()]
        original = model.parse_losses

        def parse_losses(losses):
            roles = {k: method.loss_role(k) for k in losses}  # once for every student
            for name, z in list(captured.items()):
                if not (isinstance(z, torch.Tensor) and z.requires_grad):
                    continue
                mine = {k: v for k, v in losses.items()
                        if roles[k] is not None and roles[k][0] == name}
                ratio = self._grad_ratio(mine, z, {k: roles[k][1] for k in mine})
                if ratio is not None:
                    ratios[name] = ratio
                    del captured[name]
            return original(losses)

        model.parse_losses = parse_losses
        self._sampling = (model, handles, ratios)

    @staticmethod
    def _grad_ratio(losses, logits, roles):
        """|d(distillation terms)/d logits| / |d(supervision terms)/d logits| (the roles the
        method gives its loss keys); None when either is absent or sends no gradient."""
        def total(role):
            terms = [v for k, v in losses.items() if roles[k] == role]
            terms = [t for v in terms for t in (v if isinstance(v, (list, tuple)) else [v])]
            return sum(terms) if terms else None

        ce, kd = total('supervision'), total('distillation')
        if ce is None or kd is None:
            return None
        g_ce, g_kd = (torch.autograd.grad(t, logits, retain_graph=True, allow_unused=True)[0]
                      for t in (ce, kd))
        if g_ce is None or g_kd is None or float(g_ce.norm()) == 0:
            return None
        return float(g_kd.norm() / g_ce.norm())

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self._sampling is not None:
            model, handles, ratios = self._sampling
            for h in handles:
                h.remove()
            del model.parse_losses  # the class's method again
            self._sampling = None
            for name, ratio in ratios.items():
                runner.message_hub.update_scalar(f'train/diag/grad_ratio/{name}', ratio)
        if not outputs or 'loss' not in outputs:
            return
        def value(v):
            return float(v.detach()) if isinstance(v, torch.Tensor) else float(v)

        total = value(outputs['loss'])
        if total == 0:
            return
        for key, v in outputs.items():
            if key != 'loss' and 'loss' in key:
                runner.message_hub.update_scalar(f'train/diag/share/{key}', value(v) / total)
