"""Refits KDCL-General's ensemble weights on a held-out split (Guo et al., CVPR 2020, Sec. 3.2)."""
import torch
import torch.nn.functional as F
from mmengine import dist
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...models.algorithms.kdcl_ensembles import GeneralEnsemble
from ...utils import sample_labels, unwrap_model


@HOOKS.register_module()
class KDCLGeneralHook(Hook):
    """Every ``interval`` epochs, before training resumes, run every student on the held-out
    data, estimate the error covariance ``C_ij = E[(p_i - y)^T (p_j - y)]`` and set
    ``w = C^{-1} 1 / (1^T C^{-1} 1)``. Under DDP the covariance sums are all-reduced, so every
    rank gets the same ``w``. Before the first fit (the first ``interval`` epochs) ``w = 1/m``.

    Args:
        heldout_dataloader (dict): A dataloader config over data the students do not train on
            (e.g. the last 5k training images, with the train set's ``indices`` the rest).
        interval (int): Epochs between fits. Defaults to 1 (per epoch, as the paper).
    """
    priority = 'NORMAL'

    def __init__(self, heldout_dataloader=None, interval=1):
        if not heldout_dataloader:
            raise ValueError('KDCLGeneralHook: heldout_dataloader is required: the General '
                             'ensemble estimates its weights on a held-out split')
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'KDCLGeneralHook: interval={interval!r} must be a positive int')
        self.heldout_dataloader = heldout_dataloader
        self.interval = interval
        self._loader = None

    @staticmethod
    def _model(runner):
        model = unwrap_model(runner.model)
        if not isinstance(getattr(model, 'ensemble', None), GeneralEnsemble):
            raise TypeError("KDCLGeneralHook needs a KDCL model with ensemble type='General'")
        return model

    def before_train(self, runner):
        self._model(runner).ensemble.driven_by_hook = True

    def before_train_epoch(self, runner):
        if runner.epoch == 0 or runner.epoch % self.interval:
            return
        model = self._model(runner)
        if self._loader is None:
            self._loader = runner.build_dataloader(self.heldout_dataloader)
        cov = self.heldout_covariance(model, self._loader)
        weights = model.ensemble.set_from_covariance(cov)
        for i, w in enumerate(weights.tolist()):
            runner.message_hub.update_scalar(f'train/kdcl_w{i}', w)

    @staticmethod
    @torch.no_grad()
    def heldout_covariance(model, loader):
        """Mean over held-out samples of ``(p_i - y)^T (p_j - y)``, summed across ranks."""
        was_training = model.training
        model.eval()
        m = model.num_students
        total = torch.zeros(m, m, dtype=torch.float64)
        count = torch.zeros((), dtype=torch.float64)
        for data in loader:
            data = model.data_preprocessor(data, False)
            logits = model(data['inputs'], mode='tensor')
            labels = sample_labels(data['data_samples'])
            probs = torch.stack([F.softmax(z.float(), 1) for z in logits]).cpu()
            n = probs.shape[1]
            total += GeneralEnsemble.error_covariance(probs, labels.cpu()) * n
            count += n
        model.train(was_training)
        device = next(model.parameters()).device
        total, count = total.to(device), count.to(device)
        if dist.get_world_size() > 1:
            dist.all_reduce(total)
            dist.all_reduce(count)
        return (total / count).cpu()
