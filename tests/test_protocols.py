"""The accuracy table's two protocols: every Fashion-MNIST config is its protocol plus its
method's part, the protocol's keys live in the protocol only, and a method's fashion-mnist-1k and
-5k configs differ by their protocol line alone; the harness finds a row's config by protocol
and refuses a row a protocol lacks; the report's paired interval and Δtest-vs-Δtrain line
against hand values; the hand-written claims reading quotes only intervals the committed
directions tables hold."""
import glob
import os.path as osp
import re
import subprocess
import sys

import pytest
from mmengine.config import Config

from conftest import CONFIGS, REPO

from benchmarks.accuracy.protocol import (PROTOCOLS, ROWS, Settings, protocol_config,
                                          protocol_rows)
from benchmarks.accuracy.report import (delta_pairs, directions_text, mean_ci, regression,
                                        seeds_wanted, verdict)

FIT = Config.fromfile(osp.join(CONFIGS, '_base_', 'protocols', 'fashion-mnist-1k.py'))
LEAVES_1K = sorted(osp.relpath(p, CONFIGS) for p in glob.glob(
    osp.join(CONFIGS, '*', '*_fashion-mnist-1k.py')))
LEAVES_5K = sorted(osp.relpath(p, CONFIGS) for p in glob.glob(
    osp.join(CONFIGS, '*', '*_fashion-mnist-5k.py')))
# what only a protocol may say (its keys and values): a leaf or a method part that writes one of
# these restates the protocol
PROTOCOL_WORDS = ('dataset=dict(indices=', 'max_epochs', 'milestones', 'val_interval',
                  'checkpoint=dict(interval', 'num_images', 'n_train', 'epoch_',
                  'fashion-mnist-1k/', 'fashion-mnist-5k/')
TEACHER_1K = 'work_dirs/teachers/resnet20_1xb128_fashion-mnist-1k/'
TAKD_1K = 'work_dirs/takd_chain_fashion-mnist-1k/'
SMALL_TEACHER_1K = 'work_dirs/resnet8x0.5_1xb128_fashion-mnist-1k/'


def test_the_protocol_is_the_fitting_regimes():
    assert FIT.train_dataloader.dataset.indices == FIT.n_train == 1000
    assert FIT.train_cfg.max_epochs == PROTOCOLS['fashion-mnist-1k']['epochs'] == 300
    # PS-KD's step decay (150 / 225 of 300), 2,400 iterations of batch 128
    assert FIT.param_scheduler.milestones == [150, 225] == PROTOCOLS['fashion-mnist-1k'][
        'milestones']
    assert -(-FIT.n_train // FIT.train_dataloader.batch_size) * FIT.train_cfg.max_epochs == 2400
    assert FIT.default_hooks.diagnostics.num_images == FIT.n_train  # the whole subset scored


@pytest.mark.parametrize('rel', LEAVES_1K + LEAVES_5K)
def test_each_config_is_its_protocol_plus_a_method_part(rel):
    """``_base_`` is [the protocol, the method's part]; the leaf itself writes none of the
    protocol's keys or values (a teacher checkpoint comes from the protocol by reference)."""
    protocol = 'fashion-mnist-1k' if rel.endswith('-1k.py') else 'fashion-mnist-5k'
    text = open(osp.join(CONFIGS, rel)).read()
    bases = Config._get_base_files(osp.join(CONFIGS, rel))
    assert len(bases) == 2 and bases[0] == f'../_base_/protocols/{protocol}.py', (rel, bases)
    assert '/_base_/' in bases[1] and osp.isfile(osp.join(CONFIGS, osp.dirname(rel), bases[1]))
    code = '\n'.join(line for line in text.splitlines() if not line.startswith('#'))
    assert not [w for w in PROTOCOL_WORDS if w in code], rel


def test_method_parts_say_nothing_of_a_protocol():
    parts = glob.glob(osp.join(CONFIGS, '*', '_base_', '*_fashion-mnist.py'))
    assert len(parts) >= 25
    for path in parts:
        code = '\n'.join(line for line in open(path).read().splitlines()
                         if not line.startswith('#'))
        assert 'protocols/' not in code and not [w for w in PROTOCOL_WORDS if w in code], path


@pytest.mark.parametrize('rel', LEAVES_1K)
def test_a_1k_config_resolves_to_the_protocols_keys(rel):
    cfg = Config.fromfile(osp.join(CONFIGS, rel))
    assert cfg.train_dataloader.dataset.indices == FIT.n_train == cfg.n_train, rel
    assert cfg.train_cfg.max_epochs == FIT.train_cfg.max_epochs, rel
    assert cfg.train_cfg.val_interval == FIT.train_cfg.val_interval, rel
    assert cfg.default_hooks.checkpoint.interval == FIT.default_hooks.checkpoint.interval, rel
    assert cfg.default_hooks.diagnostics.num_images == FIT.n_train, rel
    if 'iekd-stage1' in rel:  # IE-KD's official stage 1: constant lr
        assert cfg.param_scheduler == []
    else:
        assert cfg.param_scheduler.milestones == FIT.param_scheduler.milestones, rel
    text = cfg.pretty_text
    assert '5k/' not in text and 'fashion-mnist-5k.py' not in text.replace(
        "_base_", ""), f'{rel} still points at a 5k checkpoint or config'
    if cfg.model.get('teacher_ckpt'):  # the protocol's teacher, or TAKD's 1k assistant, or
        # resnet8x0.5 alone for a larger student
        assert cfg.model.teacher_ckpt.startswith(
            TAKD_1K if 'takd-stage2' in rel
            else SMALL_TEACHER_1K if re.search(r'(stage1_resnet8x0\.5|resnet8x0\.5_resnet20)_', rel)
            else TEACHER_1K), rel


@pytest.mark.parametrize('rel', [r for r in LEAVES_1K if osp.isfile(osp.join(
    CONFIGS, r.replace('fashion-mnist-1k', 'fashion-mnist-5k')))])
def test_the_1k_and_5k_configs_of_a_method_differ_by_the_protocol_only(rel):
    one = open(osp.join(CONFIGS, rel)).read()
    five = open(osp.join(CONFIGS, rel.replace('fashion-mnist-1k', 'fashion-mnist-5k'))).read()
    assert one.replace('fashion-mnist-1k', 'fashion-mnist-5k') == five
    changed = [(a, b) for a, b in zip(one.splitlines(), five.splitlines()) if a != b]
    # the protocol line, and the comment that names the protocol
    assert [a for a, _ in changed if not a.startswith('#')] == [
        "    '../_base_/protocols/fashion-mnist-1k.py',"], changed


def test_every_core_row_is_in_both_protocols():
    core = [k for k, row in ROWS.items() if row[4]]
    for protocol in PROTOCOLS:
        assert set(core) <= set(protocol_rows(protocol)), protocol
    assert protocol_config(ROWS['kd'][1], 'fashion-mnist-1k').endswith('_fashion-mnist-1k.py')
    # the KDCL design diagnostics exist in the fitting regime only
    assert 'kdcl_minlogit_shared' in protocol_rows('fashion-mnist-1k')
    assert 'kdcl_minlogit_shared' not in protocol_rows('fashion-mnist-5k')


def test_settings_and_cli_refuse_what_a_protocol_lacks():
    with pytest.raises(ValueError, match="Settings.protocol='cifar'.*fashion-mnist-1k"):
        Settings(protocol='cifar')
    assert Settings().results.endswith(osp.join('results', 'fashion-mnist-1k'))
    proc = subprocess.run([sys.executable, '-m', 'benchmarks.accuracy.run_table', '--rows',
                           'resnet8x4', '--report-only'], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "['resnet8x4'] have no config in protocol 'fashion-mnist-1k'" in proc.stderr


def test_paired_interval_by_hand():
    # mean 2, std 1, t(0.975, 2 dof) = 4.303: half-width 4.303 / sqrt(3) = 2.484
    assert mean_ci([1.0, 2.0, 3.0]) == '+2.00 [-0.48, +4.48]'
    assert mean_ci([0.5]) == '+0.50 (1 seed)'
    assert mean_ci([]) == '—'


def _run(top1, fit):
    return dict(metrics={'accuracy/top1': top1, 'kdcl/student0/top1': top1},
                train_curve=[fit])


def test_delta_pairs_and_the_regression_line_by_hand():
    # the baseline at (fit 90, test 80) on seeds 0-2; KD's deltas on the line dtest = 2 dfit + 1
    res = {'resnet8x0.5': {s: _run(80.0, 90.0) for s in range(3)},
           'kd': {0: _run(81.0, 90.0), 1: _run(83.0, 91.0), 2: _run(77.0, 88.0)},
           'fitnets': {5: _run(70.0, 70.0)}}  # no baseline on seed 5: not a pair
    pairs = delta_pairs(res)
    assert [(k, s) for k, s, _, _ in pairs] == [('kd', 0), ('kd', 1), ('kd', 2)]
    assert [(dx, dy) for _, _, dx, dy in pairs] == [(0.0, 1.0), (1.0, 3.0), (-2.0, -3.0)]
    slope, intercept, r = regression(pairs)
    assert (round(slope, 9), round(intercept, 9), round(r, 9)) == (2.0, 1.0, 1.0)
    assert regression(pairs[:2]) is None  # two points fit any line


def test_verdict_reads_the_interval():
    assert verdict([1.0, 1.2, 0.8]).startswith('yes')          # 1 ± 4.303 * 0.2 / sqrt(3)
    assert verdict([-1.0, -1.2, -0.8]).startswith('no')
    assert verdict([1.0, -0.5, 2.0]).startswith('not resolved (mean above')
    assert verdict([0.5]).startswith('1 seed: above')
    assert verdict([-0.1, -0.1, -0.1], threshold=-0.2).startswith('yes')


def test_small_effects_ask_five_seeds():
    assert seeds_wanted([1.0, 1.2, 0.8]) == 3       # |1.0| >= 2 x 0.2
    assert seeds_wanted([1.0, -0.5, 2.0]) == 5      # mean 0.83 < 2 x std 1.26
    assert seeds_wanted([0.5]) == 3                 # no std from one seed: a core row's 3
    assert seeds_wanted([0.5], core=False) == 1     # the other rows: one seed
    res = {'alone': {s: _run(80.0, 99.0) for s in range(3)},
           'dml': {0: _run(80.5, 99.0), 1: _run(79.0, 99.0), 2: _run(81.0, 99.0)},
           'pskd': {0: _run(80.0, 99.0)}, 'teacher': {0: _run(80.0, 99.0)}}
    res['pskd'][0]['metrics']['ECE'] = res['teacher'][0]['metrics']['ECE'] = 1.0
    lines = directions_text(res).splitlines()
    dml = next(line for line in lines if line.startswith('| DML'))
    assert dml.endswith('3 of the 5 seeds asked (|Δ| < 2 std) |')
    pskd = next(line for line in lines if line.startswith('| PS-KD'))
    assert '1 of the 3 seeds asked' in pskd


def test_directions_table_from_results():
    res = {'resnet8x0.5': {s: _run(80.0, 99.0) for s in range(3)},
           'kd': {s: _run(81.0 + 0.1 * s, 99.5) for s in range(3)},
           'ft': {s: _run(81.0, 99.5) for s in range(3)},
           'iekd': {s: _run(80.5, 99.5) for s in range(3)}, 'takd': {0: _run(81.5, 99.0)},
           'teacher': {s: _run(85.0, 99.9) for s in range(3)},
           'kd_r20': {s: _run(84.0 + 0.2 * s, 99.9) for s in range(3)}}
    text = directions_text(res)
    kd = next(line for line in text.splitlines() if line.startswith('| Hinton KD'))
    assert '+1.10 [' in kd and '+1.00, +1.10, +1.20' in kd and '| yes' in kd
    assert 'seeds asked' not in kd  # |1.1| > 2 x 0.1 over 3 seeds
    # IE-KD's claim is against FT (its inheritance loss), not Hinton KD
    iekd = next(line for line in text.splitlines() if 'IE-KD > FT' in line)
    assert iekd.startswith('| IE-KD |') and 'IE-KD vs FT' in iekd and '| no' in iekd
    assert not any('IE-KD > Hinton KD' in line for line in text.splitlines())
    assert iekd.endswith('; 3 of the 5 seeds asked |')  # issue #33: 5 for every IE claim
    takd = next(line for line in text.splitlines() if line.startswith('| TAKD'))
    assert '+0.50 (seed 0); TAKD vs Hinton KD' in takd and '1 seed: above' in takd
    # a claim that the row is below: KD with a larger student under the student alone
    below = next(line for line in text.splitlines() if 'KD < the student alone' in line)
    assert '-0.80 [' in below and '| yes (the 95 % interval is below)' in below


def test_directions_say_whether_a_pair_shares_its_teacher_run():
    def with_teacher(top1, sha):
        return dict(_run(top1, 99.0), teacher_run=dict(sha256=sha, file='epoch_300.pth'))
    res = {'resnet8x0.5': {s: _run(80.0, 99.0) for s in range(4)},
           'at': {0: _run(80.5, 99.0), 1: with_teacher(80.6, 'aa'), 2: with_teacher(80.4, 'bb'),
                  3: with_teacher(80.5, 'cc')},
           'ieat': {0: with_teacher(81.0, 'zz'), 1: with_teacher(81.2, 'aa'),
                    2: with_teacher(81.1, 'bb'), 3: with_teacher(80.9, 'dd')},
           'kd': {s: _run(81.0, 99.0) for s in range(4)},
           'takd': {s: with_teacher(81.2, 'ee') for s in range(4)}}
    lines = directions_text(res).splitlines()
    ieat = next(line for line in lines if 'IE-AT > AT' in line)
    assert ('; teacher run: one on seeds [1, 2], different on seeds [3], not recorded on '
            'seeds [0] |') in ieat
    # against the student alone, or TAKD (its teacher is the assistant by design): no note
    assert 'teacher run' not in next(line for line in lines if line.startswith('| AT |'))
    assert 'teacher run' not in next(line for line in lines if line.startswith('| TAKD |'))
    # no row recorded its teacher: no note
    assert 'teacher run' not in next(line for line in lines if line.startswith('| Hinton KD |'))


def test_verdict_reads_the_claimed_side():
    assert verdict([1.0, 1.2, 0.8]).startswith('yes (the 95 % interval is above)')
    assert verdict([1.0, 1.2, 0.8], sign=-1).startswith('no (the 95 % interval is above)')
    assert verdict([-1.0, -1.2, -0.8], sign=-1).startswith('yes (the 95 % interval is below)')
    assert verdict([-0.5], sign=-1) == '1 seed: below; not resolved'
    assert verdict([0.5], sign=-1) == '1 seed: not below; not resolved'
    assert verdict([1.0, -1.0, 0.5]).startswith('not resolved (mean above')


def test_pskd_memory_entropy_reads_the_committed_curve():
    """The PS-KD reading of README: on its 1,000 training images the memory's target starts
    soft and ends near one-hot in every committed seed (the figure pskd_memory_entropy.png)."""
    from benchmarks.accuracy.protocol import load_results
    from benchmarks.accuracy.report import pskd_memory_entropy
    memory = pskd_memory_entropy(load_results(osp.join(REPO, 'benchmarks', 'accuracy',
                                                       'results', 'fashion-mnist-1k')))
    assert sorted(memory) == [0, 1, 2, 3, 4]
    for epochs, entropy, alpha in memory.values():
        assert epochs[0] == 15 and entropy[0] > 0.4
        late = [e for ep, e in zip(epochs, entropy) if ep >= 195]
        assert late and max(late) < 0.06
        assert alpha == sorted(alpha) and alpha[-1] == pytest.approx(0.8, abs=1e-6)
    assert pskd_memory_entropy({'pskd': {0: {'diagnostics': []}}}) == {}


def _intervals(text):
    """Every 'mean [lo, hi]' quoted in ``text``, its minus signs as the report writes them."""
    text = re.sub(r'\s+', ' ', text.replace('\u2212', '-'))
    return set(re.findall(r'[+-]\d+\.\d\d \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\]', text))


def test_the_claims_reading_quotes_the_committed_directions():
    """README's claims summary and the accuracy README's claims reading are written by hand; each
    paired interval they quote is one that a protocol's directions table (rebuilt by
    `run_table --report-only`) holds now: a rebuilt table with a stale reading fails here."""
    results = osp.join(REPO, 'benchmarks', 'accuracy', 'results')
    tables = ''.join(open(osp.join(results, p, 'directions.md')).read() for p in PROTOCOLS
                     if osp.isfile(osp.join(results, p, 'directions.md')))
    committed = _intervals(tables)
    assert committed, 'no directions table with a paired interval'
    for path, block in ((osp.join(REPO, 'README.md'), 'claims-summary'),
                        (osp.join(REPO, 'benchmarks', 'accuracy', 'README.md'),
                         'claims-reading')):
        text = open(path).read()
        assert f'<!-- {block}:begin -->' in text and f'<!-- {block}:end -->' in text, (
            f'{osp.relpath(path, REPO)} lacks its <!-- {block}:begin/end --> markers')
        reading = text.split(f'<!-- {block}:begin -->')[1].split(f'<!-- {block}:end -->')[0]
        quoted = _intervals(reading)
        assert quoted, f'{block} in {path} quotes no interval'
        stale = sorted(quoted - committed)
        assert not stale, (f'{osp.relpath(path, REPO)} ({block}) quotes intervals no directions '
                           f'table holds now: {stale}; update the reading from '
                           'benchmarks/accuracy/results/*/directions.md')
