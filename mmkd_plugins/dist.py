"""Multi-process training that runs on CPU-only machines too, and a DDP wrapper that keeps our
algorithms' own training steps.

``tools/train.py`` / ``tools/test.py`` call :func:`setup_distributed` before building the Runner:

- With a GPU nothing changes: mmengine's ``init_dist`` (nccl) and its default wrapper (one device
  per process) apply.
- Without a GPU, under ``--launcher pytorch`` (torchrun, ``tools/dist_train.sh CONFIG N``):
  mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device(LOCAL_RANK)`` before
  ``init_process_group`` whatever the backend, which fails ("Found no NVIDIA driver"). We
  initialise the gloo process group from torchrun's environment ourselves (the Runner then skips
  ``init_dist``) and set ``device_ids=None`` on the wrapper (torch DDP refuses device ids for a
  CPU module). Under ``--launcher slurm`` (srun, ``tools/slurm_train.sh``) the same, from srun's
  environment (:func:`slurm_environment`).

:class:`MMKDDistributedDataParallel` is mmengine's ``MMDistributedDataParallel`` except that a
module defining ``train_step_with(model, data, optim_wrapper)`` runs its own step through the
wrapper (DML's alternating updates: one DDP forward/backward per network, so each network's
gradients are all-reduced). mmengine's wrapper calls the module's forward directly and would
silently turn them into a joint update. The DML / IE-DML configs name it in their
``model_wrapper_cfg`` (``configs/dml/dml_2xresnet8_1xb128_fashion-mnist-5k.py``), so any
``train.py`` that builds mmengine's Runner from them wraps the model with it (mmpretrain's own
``tools/train.py --launcher pytorch``, ``mim train``); our ``tools/train.py`` also gives it to every
other config (it behaves as mmengine's wrapper for a model without ``train_step_with``).
"""
import os
import subprocess

import torch
import torch.distributed as dist
from mmengine.model.wrappers import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class MMKDDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that defers to ``module.train_step_with`` when defined."""

    def train_step(self, data, optim_wrapper):
        step = getattr(self.module, 'train_step_with', None)
        if step is not None:
            return step(self, data, optim_wrapper)
        return super().train_step(data, optim_wrapper)


def setup_distributed(cfg):
    """Prepare ``cfg`` (and the process group) for its launcher; see the module docstring."""
    launcher = cfg.get('launcher', 'none')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMKDDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', bool(cfg.get('find_unused_parameters', False)))
    cfg.model_wrapper_cfg = wrapper
    if launcher == 'none' or torch.cuda.is_available():
        return cfg
    if launcher == 'slurm':
        slurm_environment()
    elif launcher != 'pytorch':
        raise ValueError(f'launcher={launcher!r} without a GPU: only --launcher pytorch '
                         f'(torchrun, tools/dist_train.sh) and --launcher slurm (srun, '
                         f'tools/slurm_train.sh) are supported on CPU')
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher pytorch needs torchrun\'s environment; {missing} not '
                           f'set (use tools/dist_train.sh CONFIG N)')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', init_method='env://')
    cfg.model_wrapper_cfg['device_ids'] = None
    env = cfg.setdefault('env_cfg', {})
    env.setdefault('dist_cfg', {})['backend'] = 'gloo'
    return cfg


def slurm_environment():
    """torch's ``env://`` variables from srun's, as mmengine's ``_init_dist_slurm`` sets them
    (which also picks a GPU, and so cannot run on a CPU-only node): RANK from SLURM_PROCID,
    WORLD_SIZE from SLURM_NTASKS, LOCAL_RANK from SLURM_LOCALID, MASTER_ADDR the first host of
    SLURM_NODELIST (``scontrol show hostname``), MASTER_PORT from PORT (default 29500)."""
    missing = [k for k in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')
               if k not in os.environ]
    if missing:
        raise RuntimeError(f'--launcher slurm needs srun\'s environment; {missing} not set '
                           f'(use tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR)')
    env = os.environ
    if 'MASTER_ADDR' not in env:
        hosts = subprocess.run(['scontrol', 'show', 'hostname', env['SLURM_NODELIST']],
                               capture_output=True, text=True, check=True).stdout.split()
        env['MASTER_ADDR'] = hosts[0]
    env.setdefault('MASTER_PORT', env.get('PORT', '29500'))
    env['RANK'], env['WORLD_SIZE'] = env['SLURM_PROCID'], env['SLURM_NTASKS']
    env['LOCAL_RANK'] = env.get('SLURM_LOCALID', '0')
