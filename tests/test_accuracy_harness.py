"""The accuracy harness (python -m benchmarks.accuracy.run_table) runs rows end to end (--smoke: 64
images, 2 epochs), writes one result file per (row, seed) with the promised fields, resumes
instead of retraining, and rebuilds the table from the files."""
import json
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from conftest import REPO
from test_datasets import needs_data

from benchmarks.accuracy import probe
from benchmarks.accuracy.report import mean_sd, plateau_gain


def run(*args):
    proc = subprocess.run([sys.executable, '-m', 'benchmarks.accuracy.run_table', *args],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@needs_data
def test_smoke_rows_write_results_and_resume(tmp_path):
    out = run('--smoke', str(tmp_path), '--rows', 'alone', 'kd', 'dml', '--seeds', '0')
    for row in ('alone', 'kd', 'dml', 'teacher'):
        path = tmp_path / 'results' / row / 'seed0.json'
        if row == 'teacher':  # trained for its checkpoint only: no row file unless asked
            continue
        r = json.loads(path.read_text())
        assert {'metrics', 'curve', 'train_curve', 'reliability', 'train_s', 'protocol'} <= set(r)
        assert len(r['curve']) == len(r['train_curve']) == len(r['diagnostics']) == 2
        assert r['epochs'] == [1, 2]  # one entry per validation
        assert all(v > 0 for v in r['train_loss_curve']) and len(r['train_loss_curve']) == 2
        assert r['protocol']['name'] == 'fashion-mnist-1k'
        assert r['protocol']['config'].endswith('_fashion-mnist-1k.py')
        assert r['diagnostics'][-1]['epoch'] == 2  # the hook's history: one per validation
        student = 'student0' if row == 'dml' else 'student'
        assert 0 <= r['diagnostics'][-1][f'{student}/fit_top1'] <= 100
        assert {'accuracy/top1', 'ECE', 'NLL'} <= set(r['metrics'])
        assert {'config', 'n_train', 'epochs', 'student', 'git_commit', 'machine',
                'date'} <= set(r['protocol'])
        assert sum(b['count'] for b in r['reliability']) == 64
    assert json.loads((tmp_path / 'results' / 'kd' / 'seed0.json').read_text())[
        'protocol']['teacher'] == 'resnet20'
    assert 'kdcl/student1/top1' in json.loads(
        (tmp_path / 'results' / 'dml' / 'seed0.json').read_text())['metrics']
    assert '| Hinton KD |' in out
    # a second call finds the files and trains nothing
    again = run('--smoke', str(tmp_path), '--rows', 'alone', 'kd', '--seeds', '0')
    assert '[table] alone seed 0 (' not in again and "| resnet8 alone (the online rows' " in again


def test_plateau_gain_is_the_last_fifth():
    curve = list(range(30)) + [50.0] * 2 + [50.1] * 8
    assert round(plateau_gain(curve), 6) == 0.1


def test_one_seed_has_no_spread_to_print():
    assert mean_sd([86.5]) == '86.50 (1 seed)'
    assert mean_sd([1.0, 2.0, 3.0]) == '2.00 ± 1.00'


def test_probe_augmentation_is_a_padded_crop_or_its_mirror():
    import torch
    import torch.nn.functional as F
    x = torch.randn(16, 1, 28, 28)
    out = probe.augment(x, torch.Generator().manual_seed(0))
    pad = F.pad(x, (2, 2, 2, 2), value=-72.94 / 90.02)
    flips = 0
    for i in range(16):
        crops = [pad[i, :, dy:dy + 28, dx:dx + 28] for dy in range(5) for dx in range(5)]
        same = any(torch.equal(c, out[i]) for c in crops)
        mirrored = any(torch.equal(c.flip(2), out[i]) for c in crops)
        assert same or mirrored
        flips += mirrored and not same
    assert 0 < flips < 16


def test_kdcl_probe_minlogit_target_by_hand():
    import torch
    z = [torch.tensor([[1., 3., 0.], [2., 0., 1.]]), torch.tensor([[2., 2.5, 1.], [0., 1., 3.]])]
    y = torch.tensor([1, 0])
    # sample 0 (y=1): margins [-2, 0, -3] and [-0.5, 0, -1.5] -> min [-2, 0, -3]
    # sample 1 (y=0): margins [0, -2, -1] and [0, 1, 3]       -> min [0, -2, -1]
    expected = torch.tensor([[-2., 0., -3.], [0., -2., -1.]])
    assert torch.equal(probe.minlogit_target(z, y), expected)


def test_probe_pskd_target_by_hand():
    import torch
    y = torch.tensor([2, 0])
    memory = torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    # alpha_t = 0.25: 0.75 onehot + 0.25 memory
    expected = torch.tensor([[0.025, 0.05, 0.925], [0.875, 0.125, 0.0]])
    got = probe.pskd_target(y, memory, 0.25, num_classes=3)
    assert torch.allclose(got, expected) and torch.allclose(got.sum(1), torch.ones(2))


def test_probe_aurc_by_hand():
    import math

    import torch
    y = torch.tensor([0, 0, 0, 0])
    # confidences 0.9, 0.8, 0.7, 0.6; the 0.8 one wrong (predicts class 1)
    probs = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.6, 0.4]])
    # risks at coverage 1..4: 0, 1/2, 1/3, 1/4 -> AURC = (0 + 1/2 + 1/3 + 1/4) / 4
    a = (0 + 1 / 2 + 1 / 3 + 1 / 4) / 4
    r = 0.25
    got_a, got_e = probe.aurc(probs, y)
    assert math.isclose(got_a, 1e3 * a, rel_tol=1e-9)
    assert math.isclose(got_e, 1e3 * (a - (r + (1 - r) * math.log(1 - r))), rel_tol=1e-9)
    # every error ranked last: the excess is that of the finite ranking only (small, >= 0)
    best = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.4, 0.6]])
    assert probe.aurc(best, y)[0] < got_a


def test_probe_dml_step_updates_the_networks_in_turn():
    """Network 2 learns from network 1's prediction *after* network 1's update (Algorithm 1)."""
    import copy

    import torch
    import torch.nn.functional as F
    torch.manual_seed(0)
    nets = [probe.build_net('resnet8') for _ in range(2)]
    view, y = torch.randn(4, 1, 28, 28), torch.tensor([0, 1, 2, 3])

    def sgd(ns):
        return [torch.optim.SGD(n.parameters(), lr=0.1) for n in ns]

    def kl(z, peer):
        return F.kl_div(F.log_softmax(z, 1), F.softmax(peer, 1), reduction='batchmean')

    def hand_step(net, opt, peer_net):
        z = probe.logits(net, view)
        with torch.no_grad():
            peer = probe.logits(peer_net, view)
        opt.zero_grad()
        (F.cross_entropy(z, y) + kl(z, peer)).backward()
        opt.step()

    got = copy.deepcopy(nets)
    probe.dml_step(got, sgd(got), view, y, temperature=1.0, kd_weight=1.0)
    # by hand: net 0 against net 1, then net 1 against the updated net 0
    ref = copy.deepcopy(nets)
    opts = sgd(ref)
    hand_step(ref[0], opts[0], ref[1])
    hand_step(ref[1], opts[1], ref[0])
    for a, b in zip(got, ref):
        for pa, pb in zip(a.parameters(), b.parameters()):
            assert torch.allclose(pa, pb, atol=1e-6)
    # net 1 against net 0's prediction *before* its update (a joint update) ends elsewhere
    joint = copy.deepcopy(nets)
    hand_step(joint[1], sgd(joint[1:])[0], joint[0])
    assert not all(torch.allclose(pa, pb, atol=1e-6)
                   for pa, pb in zip(joint[1].parameters(), got[1].parameters()))


_TRANSFORMS = {name: type(name, (), {}) for name in ('PackInputs', 'Resize')}


class _Data:
    """A dataset stand-in: images, labels, transforms."""

    def __init__(self, images, transforms=('PackInputs', )):
        self.images = images
        self.pipeline = SimpleNamespace(transforms=[_TRANSFORMS[t]() for t in transforms])

    def __len__(self):
        return len(self.images)

    def get_data_info(self, i):
        return dict(img=np.asarray(self.images[i]), gt_label=i % 3)


class _Refuses:
    """A loader that must not be iterated."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        raise AssertionError('the training images were scored a second time')


def test_curve_reads_the_diagnostics_fit_instead_of_scoring_again():
    from mmkd_plugins.engine.hooks import DistillDiagnosticsHook
    from benchmarks.accuracy.runner import CurveHook, same_images
    images = [np.full((2, 2), i) for i in range(4)]
    diag = DistillDiagnosticsHook(num_images=4)
    diag.loader, diag.positions = _Refuses(_Data(images)), [0, 1, 2, 3]
    diag.history = [dict(epoch=15, iter=120, **{'student0/fit_top1': 97.5,
                                                'student1/fit_top1': 99.0})]
    runner = SimpleNamespace(hooks=[diag], epoch=15, iter=120, model=torch.nn.Identity(),
                             message_hub=SimpleNamespace(log_scalars={}))
    hook = CurveHook('kdcl/student0/top1', _Refuses(_Data(images)))
    hook.after_val_epoch(runner, {'kdcl/student0/top1': 80.0})
    assert hook.train_curve == [97.5] and hook.curve == [80.0]  # student 0's, no second pass
    # other images, another order or other transforms: not the same set, scored here
    assert not same_images(_Data(images), _Data(images[::-1]))
    assert not same_images(_Data(images), _Data(images[:3]))
    assert not same_images(_Data(images), _Data(images, ('Resize', 'PackInputs')))
    other = CurveHook('accuracy/top1', _Refuses(_Data(images[::-1])))
    with pytest.raises(AssertionError, match='scored a second time'):
        other.after_val_epoch(runner, {})
    # the hook scored a sample of the set, not all of it: scored here too
    diag.positions = [0, 2]
    with pytest.raises(AssertionError, match='scored a second time'):
        CurveHook('accuracy/top1', _Refuses(_Data(images))).after_val_epoch(runner, {})
    diag.positions = [0, 1, 2, 3]
    # a stale history (the hook did not run at this validation): scored here too
    runner.iter = 240
    with pytest.raises(AssertionError, match='scored a second time'):
        CurveHook('accuracy/top1', _Refuses(_Data(images))).after_val_epoch(runner, {})


@needs_data
def test_smoke_larger_student_distils_from_the_resnet8x05_row(tmp_path):
    """IE-KD with a student larger than its teacher: the harness trains resnet8x0.5 alone as the
    teacher, IE-KD's stage 1 on it, then the resnet20 student."""
    run('--smoke', str(tmp_path), '--rows', 'iekd_r20', '--seeds', '0', '--no-report')
    r = json.loads((tmp_path / 'results' / 'iekd_r20' / 'seed0.json').read_text())
    assert (r['protocol']['student'], r['protocol']['teacher']) == ('resnet20', 'resnet8x0.5')
    work = tmp_path / 'work'
    assert (work / 'resnet8x0.5' / 'seed0' / 'epoch_2.pth').is_file()
    assert (work / 'iekd_stage1_resnet8x0.5' / 'seed0' / 'epoch_2.pth').is_file()
    assert not (work / 'teacher').exists()  # resnet20 is not trained for this row
    s1 = torch.load(work / 'iekd_stage1_resnet8x0.5' / 'seed0' / 'epoch_2.pth',
                    map_location='cpu', weights_only=False)['state_dict']
    assert s1['auto_encoder.encoder.1.weight'].shape[1] == 32  # resnet8x0.5's layer3
    # the teacher and stage-1 runs it used, by file digest
    import hashlib

    def sha(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    assert r['teacher_run'] == dict(sha256=sha(work / 'resnet8x0.5' / 'seed0' / 'epoch_2.pth'),
                                    file='epoch_2.pth')
    assert r['stage1_run'] == dict(
        sha256=sha(work / 'iekd_stage1_resnet8x0.5' / 'seed0' / 'epoch_2.pth'),
        file='epoch_2.pth')


def test_checkpoint_run_names_the_file_and_its_digest(tmp_path):
    import hashlib

    from benchmarks.accuracy.runner import checkpoint_run
    trained = tmp_path / 'epoch_300.pth'
    torch.save(dict(state_dict={'w': torch.ones(2)}, meta=dict(epoch=300)), trained)
    run = checkpoint_run(str(trained))
    assert run == dict(sha256=hashlib.sha256(trained.read_bytes()).hexdigest()[:12],
                       file='epoch_300.pth')
    retrained = tmp_path / 'again' / 'epoch_300.pth'  # another run: other weights
    retrained.parent.mkdir()
    torch.save(dict(state_dict={'w': torch.ones(2) + 1e-6}, meta=dict(epoch=300)), retrained)
    assert checkpoint_run(str(retrained))['sha256'] != run['sha256']
    assert checkpoint_run(str(tmp_path / 'missing.pth')) is None and checkpoint_run(None) is None
