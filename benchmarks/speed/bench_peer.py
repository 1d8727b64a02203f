"""Our runner's Hinton KD step against a peer toolbox's: torchdistill (PyPI ``torchdistill``, the
maintained configuration-driven KD framework), its ``DistillationBox`` driven by the config dict
its examples use (``train`` section: data loader, frozen teacher, student, SGD, a
``WeightedSumLoss`` of one ``KDLoss``).

The same step on both sides: teacher resnet20 -> student resnet8x0.5 (the same backbone class,
global pooling and linear head), batch 128 of Fashion-MNIST 28 x 28 training images, a random
crop (padding 2) and horizontal flip, SGD lr 0.1 Nesterov momentum 0.9 wd 5e-4, loss
0.1 CE + 0.9 T^2 KL at T = 4, the same torch threads, data loaded in the training process. Each
side in its own form: ours is the protocol config through mmengine's Runner
(``configs/kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py``: channels-last, the crop
and flip on the batch); torchdistill's is its own training loop (``forward_process`` +
``post_forward_process``) over a torch ``Dataset`` with torchvision's per-image transforms, as
its examples train. The bare NCHW torch step of ``bench_speed`` is measured beside them as the
reference. Rounds interleaved in one process; medians of the per-step wall time (data loading
included), img/s.

torchdistill is installed for this benchmark only, beside our pins and never by the default
install (it needs torch >= 2.12, torchvision, numpy, pyyaml, scipy and cython)::

    pip install --target work_dirs/peer --no-deps torchdistill==1.1.5 cython
    PYTHONPATH=work_dirs/peer python -m benchmarks.speed.bench_peer [--iters 30] [--rounds 3]

(or ``pip install -e ".[peer]"`` into a venv of its own).
"""
import argparse
import statistics
import tempfile
import time

import torch
import torch.nn as nn

from .bench_speed import bare_steps, runner_steps

KD_CONFIG = 'configs/kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py'
PEER = 'torchdistill==1.1.5'
INSTALL = ('pip install --target work_dirs/peer --no-deps torchdistill==1.1.5 cython, then run '
           'with PYTHONPATH=work_dirs/peer')


class Classifier(nn.Module):
    """The table's network as a plain module: CIFARResNet ``arch`` (our registered backbone),
    global average pooling, a linear head; returns logits."""

    def __init__(self, arch, num_classes=10):
        super().__init__()
        from mmpretrain.registry import MODELS
        self.backbone = MODELS.build(dict(type='CIFARResNet', arch=arch, in_channels=1))
        width = self.backbone(torch.zeros(1, 1, 28, 28))[-1].shape[1]
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.fc(self.backbone(x)[-1].mean((2, 3)))


class FashionImages(torch.utils.data.Dataset):
    """The first ``n`` Fashion-MNIST training images (the table's data, LocalFashionMNIST) as a
    torchvision-style dataset: PIL image -> padded random crop, flip, tensor, normalisation;
    with ``augment=False`` the normalised tensors, made once (the loop without the per-image
    transforms: where the difference comes from)."""

    def __init__(self, n, augment=True):
        import torchvision.transforms as T
        from mmkd_plugins.datasets import LocalFashionMNIST
        data = LocalFashionMNIST(split='train', indices=n, pipeline=[])
        self.items = [(data.get_data_info(i)['img'], int(data.get_data_info(i)['gt_label']))
                      for i in range(len(data))]
        self.transform = T.Compose([T.RandomCrop(28, padding=2), T.RandomHorizontalFlip(),
                                    T.ToTensor(), T.Normalize((0.2860, ), (0.3530, ))])
        if not augment:
            from PIL import Image
            plain = T.Compose([T.ToTensor(), T.Normalize((0.2860, ), (0.3530, ))])
            self.items = [(plain(Image.fromarray(img.squeeze())), y) for img, y in self.items]
            self.transform = None

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        from PIL import Image
        img, label = self.items[i]
        if self.transform is None:
            return img, label
        return self.transform(Image.fromarray(img.squeeze())), label


def peer_config(batch):
    """torchdistill's train config for the step (the layout of its sample configs)."""
    return dict(
        num_epochs=1,
        train_data_loader=dict(
            dataset_id='train',
            sampler=dict(class_or_func=torch.utils.data.RandomSampler, kwargs=dict()),
            kwargs=dict(batch_size=batch, num_workers=0, drop_last=False)),
        teacher=dict(forward_proc='forward_batch_only', sequential=[], requires_grad=False),
        student=dict(forward_proc='forward_batch_only', sequential=[], requires_grad=True,
                     frozen_modules=[]),
        optimizer=dict(key='SGD', kwargs=dict(lr=0.1, momentum=0.9, nesterov=True,
                                              weight_decay=5e-4)),
        criterion=dict(key='WeightedSumLoss', kwargs=dict(sub_terms=dict(kd=dict(
            criterion=dict(key='KDLoss', kwargs=dict(
                student_module_path='.', student_module_io='output',
                teacher_module_path='.', teacher_module_io='output',
                temperature=4.0, alpha=0.1, beta=0.9, reduction='batchmean')),
            weight=1.0)))))


def peer_steps(n, batch=128, augment=True):
    """Seconds of each of ``n`` torchdistill training steps (3 warm-up steps not counted),
    data loading included, through its own loop (``augment``: see :class:`FashionImages`)."""
    from torchdistill.core.distillation import get_distillation_box
    torch.manual_seed(0)
    teacher, student = Classifier('resnet20'), Classifier('resnet8x0.5')
    dataset = FashionImages(batch * (n + 3), augment)
    box = get_distillation_box(teacher, student, {'train': dataset}, peer_config(batch),
                               torch.device('cpu'), None, False, 1.0)
    box.pre_epoch_process(epoch=0)
    times, t = [], time.perf_counter()
    for x, y, supp in box.train_data_loader:
        loss = box.forward_process(x, y, supp)
        box.post_forward_process(loss=loss)
        now = time.perf_counter()
        times.append(now - t)
        t = now
    return times[3:]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--iters', type=int, default=30, help='timed steps per measurement')
    p.add_argument('--rounds', type=int, default=3, help='ours, torchdistill, bare, in turn')
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args(argv)
    try:
        import torchdistill
    except ImportError:  # `make bench` runs every benchmark: this one says why it did not run
        print(f'bench_peer: skipped, torchdistill is not installed (it is installed for this '
              f'benchmark only): {INSTALL}', flush=True)
        return None
    torch.set_num_threads(args.threads)
    import mmkd_plugins  # noqa: F401
    steps = {'ours': [], 'peer': [], 'peer_tensors': [], 'bare': []}
    for _ in range(args.rounds):  # interleaved: the same machine state on average
        steps['ours'] += runner_steps(KD_CONFIG, args.iters,
                                      tempfile.mkdtemp(prefix='bench_peer_'))
        steps['peer'] += peer_steps(args.iters)
        steps['peer_tensors'] += peer_steps(args.iters, augment=False)
        steps['bare'] += bare_steps('resnet8x0.5', 'resnet20', False, args.iters)
    ips = {k: 128 / statistics.median(v) for k, v in steps.items()}
    print(f'Hinton KD resnet20 -> resnet8x0.5, batch 128, {args.threads} threads, medians of '
          f'{args.rounds} x {args.iters} steps; torchdistill {torchdistill.__version__}; img/s')
    print('| ours (mmengine Runner, protocol config) | torchdistill (DistillationBox) | '
          'torchdistill, tensors without per-image transforms | bare torch NCHW | '
          'ours / torchdistill | ours / bare | torchdistill / bare |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    print(f'| {ips["ours"]:.0f} | {ips["peer"]:.0f} | {ips["peer_tensors"]:.0f} | '
          f'{ips["bare"]:.0f} | {ips["ours"] / ips["peer"]:.3f} | '
          f'{ips["ours"] / ips["bare"]:.3f} | {ips["peer"] / ips["bare"]:.3f} |', flush=True)
    return ips


if __name__ == '__main__':
    main()
