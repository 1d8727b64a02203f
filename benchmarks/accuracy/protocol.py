"""The accuracy table's protocol: the rows, where their files live, and how a result file reads.

Protocol (``benchmarks/accuracy/README.md``; the configs are the repository's Fashion-MNIST
configs, which all inherit ``configs/_base_/protocols/fashion-mnist-5k.py``): the first 5,000
Fashion-MNIST training images, the full 10,000-image test set, 40 epochs of SGD (lr 0.1, x0.1 at
20 and 30), batch 128. Teacher-student rows: teacher resnet20 (trained by the same protocol, one
per seed: the student of seed k learns from the teacher of seed k), student resnet8x0.5
(resnet20 is 2.1 pt above it; only 1.0 above resnet8), compared with resnet8x0.5 alone. Online
rows (KDCL, DML, IE-DML): two resnet8, compared with resnet8 alone (DML and KDCL-MinLogit also
with two resnet20, compared with resnet20 alone). PS-KD self-distils resnet20 and is compared
with resnet20 alone (the teacher row). Seeds 0 1 2.

A result file ``results/<row>/seed<k>.json`` holds ``metrics`` (final top-1, ECE, AURC, E-AURC,
NLL, and every student / the ensemble for online methods), ``curve`` (test top-1 after every
epoch), ``train_curve`` (top-1 on 1,000 training images, without augmentation, after every
epoch), ``reliability`` (10 equal-width confidence bins of the final model on the test set),
``diagnostics`` (what ``DistillDiagnosticsHook`` measured at each validation: fit, target,
feature losses, learned values; absent from the files written before the hook), ``train_s``
and ``protocol`` (config, n_train, epochs, student, teacher, git commit, machine, date).

This module imports nothing of mmengine: the report and the model-zoo writer read the committed
results without a training stack.
"""
import dataclasses
import json
import os
import os.path as osp

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HERE))
N_TRAIN_CURVE = 1000  # training images scored after every epoch (train accuracy curve)

C = 'configs/'
TEACHER_CFG = C + 'teachers/resnet20_1xb128_fashion-mnist-5k.py'
STAGE1_CFG = C + 'iekd/iekd-stage1_resnet20_1xb128_fashion-mnist-5k.py'
TAKD1_CFG = C + 'takd/takd-stage1_resnet20_resnet14_1xb128_fashion-mnist-5k.py'

# key: (label, config, kind, baseline row, core row). Online rows report student 0.
ROWS = {
    'alone': ('resnet8 alone (the online rows\' baseline)',
              C + 'baseline/resnet8_1xb128_fashion-mnist-5k.py', 'plain', None, True),
    'resnet8x0.5': ('resnet8x0.5 alone (the teacher-student rows\' baseline)',
                    C + 'baseline/resnet8x0.5_1xb128_fashion-mnist-5k.py', 'plain', None, True),
    'teacher': ('resnet20 alone (the teacher)', TEACHER_CFG, 'teacher', None, True),
    'kd': ('Hinton KD', C + 'kd/kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'kd',
           'resnet8x0.5', True),
    'pskd': ('PS-KD (resnet20, vs resnet20 alone)',
             C + 'pskd/pskd_resnet20_1xb128_fashion-mnist-5k.py', 'plain', 'teacher', True),
    'kdcl_minlogit': ('KDCL-MinLogit (2 x resnet8, student 0)',
                      C + 'kdcl/kdcl-minlogit_2xresnet8_1xb128_fashion-mnist-5k.py', 'online',
                      'alone', True),
    'kdcl_linear': ('KDCL-Linear (2 x resnet8, student 0)',
                    C + 'kdcl/kdcl-linear_2xresnet8_1xb128_fashion-mnist-5k.py', 'online',
                    'alone', True),
    'iekd': ('IE-KD', C + 'iekd/iekd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'iekd',
             'resnet8x0.5', True),
    'dml': ('DML (2 x resnet8, student 0)', C + 'dml/dml_2xresnet8_1xb128_fashion-mnist-5k.py',
            'online', 'alone', True),
    'fitnets': ('FitNets', C + 'fitnets/fitnets_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
                'kd', 'resnet8x0.5', False),
    'at': ('AT', C + 'at/at_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'kd',
           'resnet8x0.5', False),
    'takd': ('TAKD (resnet20 > resnet14 > resnet8x0.5)',
             C + 'takd/takd-stage2_resnet14_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'takd',
             'resnet8x0.5', False),
    'eskd_a': ('ESKD (a): KD for epochs 1-20',
               C + 'eskd/eskd-a_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'kd',
               'resnet8x0.5', False),
    'eskd_b': ('ESKD (b): teacher of epoch 20',
               C + 'eskd/eskd-b_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py', 'kd_early',
               'resnet8x0.5', False),
    'kdcl_naive': ('KDCL-Naive (2 x resnet8, student 0)',
                   C + 'kdcl/kdcl-naive_2xresnet8_1xb128_fashion-mnist-5k.py', 'online',
                   'alone', False),
    'kdcl_general': ('KDCL-General (2 x resnet8, student 0)',
                     C + 'kdcl/kdcl-general_2xresnet8_1xb128_fashion-mnist-5k.py', 'online',
                     'alone', False),
    'iekd_kd': ('IE-KD + KD', C + 'iekd/iekd-kd_resnet20_resnet8x0.5_1xb128_fashion-mnist-5k.py',
                'iekd', 'resnet8x0.5', False),
    'iedml': ('IE-DML (2 x resnet8, student 0)',
              C + 'iekd/iedml_2xresnet8_1xb128_fashion-mnist-5k.py', 'online', 'alone', False),
    # the online methods with students that fit the data better: against resnet20 alone
    'dml_r20': ('DML (2 x resnet20, student 0; vs resnet20 alone)',
                C + 'dml/dml_2xresnet20_1xb128_fashion-mnist-5k.py', 'online', 'teacher', False),
    'kdcl_minlogit_r20': ('KDCL-MinLogit (2 x resnet20, student 0; vs resnet20 alone)',
                          C + 'kdcl/kdcl-minlogit_2xresnet20_1xb128_fashion-mnist-5k.py',
                          'online', 'teacher', False),
    'resnet8x4': ('resnet8x4 alone (teacher candidate)',
                  C + 'baseline/resnet8x4_1xb128_fashion-mnist-5k.py', 'plain', None, False),
}
CALIBRATION = [dict(type='Accuracy', topk=(1, )), dict(type='ECE'), dict(type='AURC'),
               dict(type='EAURC'), dict(type='NLL')]




def metric_key(key):
    """The top-1 metric a row reports: student 0's for the online rows."""
    return 'kdcl/student0/top1' if ROWS[key][2] == 'online' else 'accuracy/top1'


@dataclasses.dataclass
class Settings:
    """Where a table run reads and writes, how long its runs are, where its data is.

    ``smoke``: a config edit that shrinks every run (``--smoke``: a plumbing check of the
    harness, not the protocol), else ``None``."""
    results: str = osp.join(HERE, 'results')
    work: str = osp.join(REPO, 'work_dirs', 'accuracy')
    figures: str = osp.join(REPO, 'docs', 'figures')
    epochs: int = 40  # checkpoints epoch_{epochs}.pth and, for ESKD (b), the middle one
    smoke: object = None
    data_root: str = None  # another folder of the Fashion-MNIST .gz files (a GPU box)

    @classmethod
    def smoke_run(cls, root):
        """64 images, 2 epochs, everything under ``root``."""
        return cls(results=osp.join(root, 'results'), work=osp.join(root, 'work'),
                   figures=osp.join(root, 'figures'), epochs=2, smoke=_smoke_edit)


def _smoke_edit(cfg, epochs=2):
    cfg.train_cfg.max_epochs = epochs
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
