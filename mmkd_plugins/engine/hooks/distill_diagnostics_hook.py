"""``DistillDiagnosticsHook``: the numbers that tell why a distilled student ends below the same
network trained alone, logged as mmengine scalars (``scalars.json``, TensorBoard).

- At every validation, on two fixed image sets scored through the validation pipeline (no
  augmentation, the same images each time): ``num_images`` of the *training* images (the fit:
  ``val/diag/<student>/<name>``) and ``heldout_images`` of the validation set's (what generalises:
  ``val/diag/heldout/<student>/<name>``). Each set is a class-stratified sample drawn with
  ``seed`` (every class in proportion: a class-sorted list such as ImageNet's ``train.txt`` is
  not scored on its first class), in dataset order; a set no larger than asked is taken whole.
  Per set: the student's top-1, NLL, confidence and ECE, and what the method distils towards at
  its temperature and at T = 1 (target top-1, entropy, ECE, student-target agreement and KL),
  the feature-loss terms and the learned values of the method
  (:mod:`mmkd_plugins.evaluation.distill_diagnostics`). The sets' batches are read once and
  kept (``BATCH_CACHE_MIB`` each at most). Under DDP every rank scores its shard
  and the sums are gathered: the values are those of the whole set. A frozen teacher's outputs
  on these fixed images do not change: they are computed at the first validation and replayed
  after (``TEACHER_CACHE_MIB`` at most), so later validations run the students alone.
- At every ``log_interval`` of the logger, from the step itself: each loss term's share of the
  total loss (``train/diag/share/<term>``).
- Every ``grad_interval`` iterations, inside the training step: the ratio of the gradient norm at
  the student's logits of its distillation terms to that of its cross-entropy
  (``diag/grad_ratio/<student>``, written once, at its own step). The gradients are taken from
  the step's own graph before its backward (``torch.autograd.grad`` from the loss terms to the
  logits only), so the step and its randomness are unchanged. Not for PS-KD, whose one
  soft-target loss has no separate term (its target weight ``alpha_t`` is logged instead), nor
  for feature-only losses, which send no gradient to the logits.

Names hold no ``loss`` (``distill.loss_kl`` is logged as ``distill.kl``): mmengine's logger
averages such scalars over their last 10 entries, and each diagnostic is one measurement.

One line in a config (``default_hooks``, so it merges with a method's own ``custom_hooks``)::

    default_hooks = dict(diagnostics=dict(type='DistillDiagnosticsHook', num_images=1000))

``tools/analysis/distill_report.py WORK_DIR --baseline WORK_DIR`` reads what it logged.
"""
import numpy as np
import torch
from mmengine.dist import get_dist_info
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from torch.utils.data import DataLoader

from ...evaluation.distill_diagnostics import diagnose, log_name
from ...models.algorithms.method import describe
from ...utils import unwrap_model


def stratified(labels, n, seed):
    """``n`` positions of ``labels`` drawn with ``seed``, every class in proportion to its count
    (largest remainders), in ascending order; all of them when there are no more than ``n``."""
    labels = np.asarray(labels)
    if n >= len(labels):
        return list(range(len(labels)))
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n / len(labels)
    take = np.floor(quota).astype(int)
    for i in np.argsort(-(quota - take), kind='stable')[:n - take.sum()]:
        take[i] += 1
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take)]
    return sorted(int(i) for i in np.concatenate(chosen))


def _labels(dataset):
    if hasattr(dataset, 'get_gt_labels'):
        return dataset.get_gt_labels()
    return [int(dataset.get_data_info(i)['gt_label']) for i in range(len(dataset))]


class Replay:
    """A loader of fixed batches that keeps them after its first pass and replays them (the
    un-augmented images and their samples: the same at every validation), up to ``max_mib``
    of inputs; past that it reads them again each time. Its ``dataset``, ``sampler`` and
    ``batch_size`` are the loader's."""

    def __init__(self, loader, max_mib):
        self.loader, self.max_bytes, self.batches = loader, max_mib * 2 ** 20, None

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        if self.batches is not None:
            yield from self.batches
            return
        kept, size = [], 0
        for batch in self.loader:
            inputs = batch.get('inputs') if isinstance(batch, dict) else None
            size += (sum(t.nbytes for t in inputs if isinstance(t, torch.Tensor))
                     if isinstance(inputs, list) else self.max_bytes + 1)  # unknown: not kept
            if kept is not None and size <= self.max_bytes:
                kept.append(batch)
            else:
                kept = None
            yield batch
        self.batches = kept


@HOOKS.register_module()
class DistillDiagnosticsHook(Hook):
    """Log the fit, the target and the loss balance of a distillation run.

    Args:
        num_images (int): Training images scored at each validation (a class-stratified sample
            of the training set as the run uses it, un-augmented). Defaults to 1000.
        heldout_images (int): Validation-set images scored at each validation, sampled the same
            way; 0 scores none. Defaults to 1000.
        seed (int): Seed of both samples (not the run's: the same images whatever its seed, so
            a run and its baseline are scored on the same images). Defaults to 0.
        grad_interval (int): Iterations between two gradient-ratio samples; 0 turns them off.
            Defaults to 50.
        batch_size (int, optional): Batch size of the scoring loaders; defaults to the
            validation loader's.
    """
    priority = 'NORMAL'  # after RuntimeInfoHook puts the metrics in, before LoggerHook writes
    BATCH_CACHE_MIB = 256  # per scored set: its batches are kept after the first validation

    def __init__(self, num_images=1000, heldout_images=1000, seed=0, grad_interval=50,
                 batch_size=None):
        for field, value, low in (('num_images', num_images, 1),
                                  ('heldout_images', heldout_images, 0), ('seed', seed, 0),
                                  ('grad_interval', grad_interval, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f'DistillDiagnosticsHook: {field}={value!r} must be an int >= '
                                 f'{low}' + (' (0: no gradient ratios)'
                                             if field == 'grad_interval' else '')
                                 + (' (0: no held-out images)'
                                    if field == 'heldout_images' else ''))
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f'DistillDiagnosticsHook: batch_size={batch_size!r} must be an '
                             f'int >= 1 or None')
        self.num_images, self.heldout_images, self.seed = num_images, heldout_images, seed
        self.grad_interval, self.batch_size = grad_interval, batch_size
        self.loader, self.heldout_loader, self._teacher_cache = None, None, None
        self.positions = None  # the scored training images' positions in the training set
        self.history = []  # one dict per validation: epoch, iter and every diagnostic
        self._sampling = None

    # -- the fixed image sets -----------------------------------------------------------------
    def _loader(self, runner, dataset, n):
        """A loader over a stratified sample of ``n`` images of ``dataset`` (a config) through
        the validation pipeline, sharded without padding under DDP; and the sample's positions.

        The dataset is the one the run uses (its ``indices`` kept), so a scored image's
        ``sample_idx`` is its position in that set: the key PS-KD's memory is read by."""
        dataset = dict(dataset)
        while 'dataset' in dataset and 'pipeline' not in dataset:  # dataset wrappers
            dataset = dict(dataset['dataset'])
        dataset['pipeline'] = runner.cfg.val_dataloader.dataset.get('pipeline')
        loader = dict(runner.cfg.val_dataloader)
        # built for its dataset and collate function (the sampler is the sample's positions,
        # below); a sampler with its own seed: building it never draws from the random state
        # the training consumes (a run with the hook trains as one without it)
        loader.update(dataset=dataset, num_workers=0, persistent_workers=False,
                      sampler=dict(type='DefaultSampler', shuffle=False, seed=self.seed))
        if self.batch_size:
            loader['batch_size'] = self.batch_size
        built = runner.build_dataloader(loader)
        positions = stratified(_labels(built.dataset), n, self.seed)
        rank, world = get_dist_info()
        loader = DataLoader(built.dataset, batch_size=built.batch_size,
                            sampler=positions[rank::world], collate_fn=built.collate_fn,
                            num_workers=0, generator=torch.Generator().manual_seed(self.seed))
        return Replay(loader, self.BATCH_CACHE_MIB), positions

    def before_train(self, runner):
        cfg = runner.cfg
        if cfg.get('val_dataloader') is None:
            return
        train = dict(cfg.train_dataloader.dataset)
        train.pop('test_mode', None)
        self.loader, self.positions = self._loader(runner, train, self.num_images)
        if self.heldout_images:
            self.heldout_loader, _ = self._loader(runner, cfg.val_dataloader.dataset,
                                                  self.heldout_images)
        self._teacher_cache = {}  # a frozen teacher's outputs on these images, computed once

    def after_val_epoch(self, runner, metrics=None):
        if self.loader is None:  # validation outside training (tools/test.py)
            return
        model = unwrap_model(runner.model)
        scalars = diagnose(model, self.loader, self._teacher_cache)
        if self.heldout_loader is not None:
            held = diagnose(model, self.heldout_loader, self._teacher_cache, 'heldout',
                            heldout=True)
            scalars.update({f'heldout/{k}': v for k, v in held.items()
                            if '/' in k})  # per student; the learned values are the same
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
            if ratios:  # one line of its own, at its step (not repeated by the logger)
                runner.visualizer.add_scalars(
                    {f'diag/grad_ratio/{name}': r for name, r in ratios.items()},
                    step=runner.iter + 1)
        if not outputs or 'loss' not in outputs:
            return
        def value(v):
            return float(v.detach()) if isinstance(v, torch.Tensor) else float(v)

        total = value(outputs['loss'])
        if total == 0:
            return
        for key, v in outputs.items():
            if key != 'loss' and 'loss' in key:
                runner.message_hub.update_scalar(f'train/diag/share/{log_name(key)}',
                                                 value(v) / total)
