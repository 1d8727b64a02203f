"""The accuracy table's protocols and rows, where their files live, and how a result file reads.

Two protocols (``benchmarks/accuracy/README.md``; configs/_base_/protocols/<name>.py), both on
Fashion-MNIST with the full 10,000-image test set, batch 128, SGD lr 0.1 with step decay:

- ``fashion-mnist-1k`` (the headline, the fitting regime): the first 1,000 training images, 300
  epochs, lr x0.1 at 150 and 225, validation every 15 epochs (2,400 iterations);
- ``fashion-mnist-5k`` (the under-fitting regime): the first 5,000 training images, 40 epochs,
  lr x0.1 at 20 and 30, validation every epoch (1,600 iterations).

Teacher-student rows: teacher resnet20 (trained by the same protocol, one per seed: the student
of seed k learns from the teacher of seed k), student resnet8x0.5, compared with resnet8x0.5
alone. Online rows (KDCL, DML, IE-DML): two resnet8, compared with resnet8 alone. PS-KD
self-distils resnet20 and is compared with resnet20 alone (the teacher row). Seeds 0 1 2.

A result file ``results/<protocol>/<row>/seed<k>.json`` holds ``metrics`` (final top-1, ECE,
AURC, E-AURC, NLL, and every student / the ensemble for online methods), ``curve`` (test top-1
at every validation), ``train_curve`` (top-1 on the first 1,000 training images, without
augmentation, at every validation), ``epochs`` (the epoch of each validation; absent from the
5k files, whose validations are every epoch), ``train_loss_curve`` (mean training loss since the
previous validation; absent from the 5k files), ``reliability`` (10 equal-width confidence bins
of the final model on the test set), ``diagnostics`` (what ``DistillDiagnosticsHook`` measured
at each validation; absent from the files written before the hook), ``train_s``,
``teacher_run`` and ``stage1_run`` (sha256 prefix and file name of the teacher / IE-KD stage-1
checkpoint the run used, None without one; absent from files written before 2026-12-05, and
recorded from the work folder for that day's earlier ones: CPU training is not bitwise
repeatable, so a retrained teacher is another run) and ``protocol`` (name, config, n_train,
epochs, student, teacher, git commit, machine, date).

This module imports nothing of mmengine: the report and the model-zoo writer read the committed
results without a training stack.
"""
import dataclasses
import json
import os
import os.path as osp

from ..methods import table_rows

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HERE))
N_TRAIN_CURVE = 1000  # training images scored at every validation (train accuracy curve)

C = 'configs/'
TEACHER_CFG = C + 'teachers/resnet20_1xb128_fashion-mnist-5k.py'
STAGE1_CFG = C + 'iekd/iekd-stage1_resnet20_1xb128_fashion-mnist-5k.py'
# the IE-KD stage 1 (FT's paraphraser) of each teacher row
STAGE1 = {'teacher': STAGE1_CFG,
          'resnet8x0.5': C + 'iekd/iekd-stage1_resnet8x0.5_1xb128_fashion-mnist-1k.py'}
TAKD1_CFG = C + 'takd/takd-stage1_resnet20_resnet14_1xb128_fashion-mnist-5k.py'

# key: (label, config, kind, baseline row, core row), read from the one list of methods
# (benchmarks/methods.py); core rows first. Online rows report student 0.
ROWS = {v.row: (v.label, C + v.config, v.kind, v.baseline, v.core) for v in table_rows()}
# the row whose checkpoint each frozen-teacher row distils from
TEACHERS = {v.row: v.teacher for v in table_rows()}
CALIBRATION = [dict(type='Accuracy', topk=(1, )), dict(type='ECE'), dict(type='AURC'),
               dict(type='EAURC'), dict(type='NLL')]

# The protocols (configs/_base_/protocols/<name>.py). A row's config in a protocol is its config
# with the protocol's name in place of the one it ends with; a row without that file is not part
# of the protocol (the KDCL diagnostics exist in fashion-mnist-1k only). ``epochs``: the
# schedule's length (checkpoint names); ``milestones``: its lr steps (the figures mark them).
PROTOCOLS = {
    'fashion-mnist-1k': dict(
        epochs=300, n_train=1000, milestones=[150, 225],
        regime='fitting: every baseline fits its 1,000 training images (>= 99 % top-1)'),
    'fashion-mnist-5k': dict(
        epochs=40, n_train=5000, milestones=[20, 30],
        regime='under-fitting: the baselines end at 88-94 % top-1 on their 5,000 training images'),
}
DEFAULT_PROTOCOL = 'fashion-mnist-1k'  # the headline table


def protocol_config(config, protocol):
    """``config`` (a row's config path, named after one protocol) in ``protocol``."""
    if protocol not in PROTOCOLS:
        raise KeyError(f'protocol {protocol!r}: not one of {list(PROTOCOLS)}')
    for name in PROTOCOLS:
        if f'_{name}.py' in config:
            return config.replace(f'_{name}.py', f'_{protocol}.py')
    return config


def protocol_rows(protocol):
    """The rows that have a config in ``protocol``, in table order."""
    return [k for k, row in ROWS.items()
            if osp.isfile(osp.join(REPO, protocol_config(row[1], protocol)))]


def metric_key(key):
    """The top-1 metric a row reports: student 0's for the online rows."""
    return 'kdcl/student0/top1' if ROWS[key][2] == 'online' else 'accuracy/top1'


@dataclasses.dataclass
class Settings:
    """Where a table run reads and writes, how long its runs are, where its data is.

    ``smoke``: a config edit that shrinks every run (``--smoke``: a plumbing check of the
    harness, not the protocol), else ``None``."""
    protocol: str = DEFAULT_PROTOCOL
    results: str = None  # default results/<protocol>
    work: str = None     # default work_dirs/accuracy/<protocol>
    figures: str = None  # default docs/figures/<protocol>
    epochs: int = None   # default the protocol's: checkpoint epoch_{epochs}.pth (ESKD (b): half)
    smoke: object = None
    data_root: str = None  # another folder of the Fashion-MNIST .gz files (a GPU box)

    def __post_init__(self):
        if self.protocol not in PROTOCOLS:
            raise ValueError(f'Settings.protocol={self.protocol!r}: use one of {list(PROTOCOLS)}')
        self.results = self.results or osp.join(HERE, 'results', self.protocol)
        self.work = self.work or osp.join(REPO, 'work_dirs', 'accuracy', self.protocol)
        self.figures = self.figures or osp.join(REPO, 'docs', 'figures', self.protocol)
        self.epochs = self.epochs or PROTOCOLS[self.protocol]['epochs']

    def config(self, key_or_path):
        """A row's (or a prerequisite's fashion-mnist-5k) config in this protocol."""
        path = ROWS[key_or_path][1] if key_or_path in ROWS else key_or_path
        return protocol_config(path, self.protocol)

    @classmethod
    def smoke_run(cls, root, protocol=DEFAULT_PROTOCOL):
        """64 images, 2 epochs, everything under ``root``."""
        return cls(protocol=protocol, results=osp.join(root, 'results'),
                   work=osp.join(root, 'work'), figures=osp.join(root, 'figures'), epochs=2,
                   smoke=_smoke_edit)


def _smoke_edit(cfg, epochs=2):
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = 1
    cfg.train_dataloader.dataset.indices = 64
    cfg.train_dataloader.batch_size = 32
    cfg.val_dataloader.dataset.indices = 64
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    for hook in cfg.get('custom_hooks', []):
        if 'stop_epoch' in hook:
            hook.stop_epoch = 1


def load_results(results_dir):
    """``{row: {seed: result}}`` of every result file under ``results_dir``."""
    out = {}
    for key in ROWS:
        d = osp.join(results_dir, key)
        if osp.isdir(d):
            runs = []
            for f in sorted(os.listdir(d)):
                if f.startswith('seed') and f.endswith('.json'):
                    with open(osp.join(d, f)) as fh:
                        runs.append(json.load(fh))
            if runs:
                out[key] = {r['seed']: r for r in runs}
    return out
