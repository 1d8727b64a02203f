"""The offline GPU check runs one way everywhere: its dry run (the same code on the CPU, tiny
counts) goes through tools/gpu_check.sh and writes the summary its docs describe; its loss
comparison sees a real difference (channels-last against the NCHW reference) and its tolerance
logic is checked on hand values; a phase that fails or is killed leaves a valid summary with
what ran before; the wheel helper refuses a folder that lacks a wheel or the data, and its
import-closure guard fails when a package the stack imports is not carried."""
import json
import os
import signal
import subprocess
import sys
import time
import types

import pytest

from benchmarks import gpu_check
from conftest import REPO
from test_datasets import needs_data

SUMMARY_FIELDS = {'date', 'machine', 'device', 'dry_run', 'versions', 'budget_s', 'iters',
                  'ref_steps', 'rel_tol', 'detection', 'phases', 'families', 'throughput',
                  'table', 'passed', 'total_s'}
FAMILY_FIELDS = {'config', 'status', 'cpu_first_losses', 'fp32_first_losses', 'max_rel_diff',
                 'fp32_iters', 'fp32_finite', 'fp32_last_loss', 'fp32_s_per_iter', 'traffic',
                 'seconds'}


def _dry_run(out, *families, env=None):
    return subprocess.run(['bash', 'tools/gpu_check.sh', '-', str(out), '--dry-run',
                           '--families', *families], cwd=REPO,
                          env=dict(os.environ, PYTHON=sys.executable, **(env or {})),
                          capture_output=True, text=True, timeout=900)


@needs_data
def test_dry_run_through_the_shell_entry_writes_the_summary(tmp_path):
    out = tmp_path / 'out'
    proc = _dry_run(out, 'plain', 'kd', 'dml-alternate')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((out / 'summary.json').read_text())
    assert SUMMARY_FIELDS <= set(summary) and summary['dry_run'] is True
    assert summary['passed'] is True
    assert {k: v['status'] for k, v in summary['phases'].items()} == dict(
        families='done', throughput='done', table='done')
    for name, fam in summary['families'].items():
        assert FAMILY_FIELDS <= set(fam), name
        # the checked run is channels-last, the reference NCHW: other kernels, a real (small)
        # difference that the tolerance must absorb
        assert fam['status'] == 'pass' and 0 < fam['max_rel_diff'] <= summary['rel_tol'], name
        assert fam['fp32_iters'] == 2 and 'skipped' in fam['bf16'] and 'skipped' in fam['fp16']
        t = fam['traffic']
        # mmengine reads every logged output once (RuntimeInfoHook), the check its loss once
        assert t['item_reads_per_iter'] >= t['expected_item_reads_per_iter'] >= 2, (name, t)
    # DML logs each student's losses: more outputs than the plain model, and no extra reads
    traffic = {k: v['traffic'] for k, v in summary['families'].items()}
    assert traffic['dml-alternate']['expected_item_reads_per_iter'] > traffic['plain'][
        'expected_item_reads_per_iter']
    assert traffic['dml-alternate']['extra_item_reads_per_iter'] <= 0, traffic['dml-alternate']
    assert [r['case'] for r in summary['throughput']] == [
        'resnet20 (teacher / PS-KD model)', 'Hinton KD resnet20 -> resnet8x0.5']
    assert all(r['runner_over_bare'] > 0 for r in summary['throughput'])
    assert [(r['row'], r['seed']) for r in summary['table']['runs']] == [('alone', 0)]
    assert summary['table']['left'] == []
    result = json.loads((out / 'results' / 'alone' / 'seed0.json').read_text())
    assert result['protocol']['machine'] == summary['machine']  # an ordinary result file
    assert sorted(os.listdir(out)) == ['results', 'summary.json']  # no checkpoints in OUT


def test_loss_comparison_against_hand_values():
    ref = [2.0, 1.0, 0.5]
    worst, ok = gpu_check.compare_losses(ref, [2.001, 1.0, 0.5])
    assert worst == pytest.approx(5e-4) and ok
    worst, ok = gpu_check.compare_losses(ref, [2.0, 1.0, 0.501])  # 2e-3 > 1e-3
    assert worst == pytest.approx(2e-3) and not ok
    assert not gpu_check.compare_losses(ref, [2.0, float('nan'), 0.5])[1]
    assert not gpu_check.compare_losses(ref, [2.0, 1.0])[1]  # a loss missing
    assert not gpu_check.compare_losses([], [])[1]


def test_traffic_counts_per_iteration():
    names = (['Memcpy HtoD (Pageable -> Device)'] * 4 + ['Memcpy DtoH (Device -> Pageable)'] * 2
             + ['aten::item'] * 8 + ['cudaStreamSynchronize'] + ['aten::conv2d'] * 9)
    t = gpu_check.traffic([types.SimpleNamespace(name=n) for n in names], iters=2, outputs=2)
    assert t == dict(iters=2, h2d_copies_per_iter=2.0, d2h_copies_per_iter=1.0,
                     item_reads_per_iter=4.0, explicit_syncs_per_iter=0.5,
                     expected_item_reads_per_iter=3, extra_item_reads_per_iter=1.0)


def test_table_run_estimate_from_the_family_speed():
    from benchmarks.accuracy.protocol import Settings
    fams = dict(plain=dict(status='pass', fp32_s_per_iter=0.01),
                kd=dict(status='fail', fp32_s_per_iter=0.01))
    settings = Settings(protocol='fashion-mnist-1k')
    # 300 epochs x ceil(1000 / 128) = 2,400 iterations: 2 x 0.01 x 2400 + 30 = 78 s
    assert gpu_check.estimate_row_s('alone', fams, settings) == pytest.approx(78)
    assert gpu_check.estimate_row_s('alone', fams, settings, scale=0.5) == pytest.approx(39)
    assert gpu_check.estimate_row_s('kd', fams, settings) is None  # its family did not pass


def test_a_phase_over_its_cap_is_stopped_and_recorded(tmp_path):
    summary = gpu_check.Summary(str(tmp_path / 'summary.json'), phases={})

    def slow():
        for _ in range(100):
            time.sleep(0.05)
        return 'finished'

    t0 = time.perf_counter()
    gpu_check.run_phase(summary, 'slow', 0.3, slow)
    assert time.perf_counter() - t0 < 2
    gpu_check.run_phase(summary, 'fast', 5, lambda: [1, 2])
    saved = json.loads((tmp_path / 'summary.json').read_text())
    assert saved['phases']['slow']['status'] == 'timeout' and 'slow' not in saved
    assert saved['phases']['fast']['status'] == 'done' and saved['fast'] == [1, 2]


FAILING_THROUGHPUT = """
import sys
from benchmarks import gpu_check
def broken(args, device):
    raise RuntimeError('planted failure in the throughput phase')
gpu_check.throughput = broken
sys.exit(gpu_check.main(sys.argv[1:]))
"""


@needs_data
def test_a_failing_phase_keeps_the_earlier_ones_and_the_next_runs(tmp_path):
    out = tmp_path / 'out'
    proc = subprocess.run([sys.executable, '-c', FAILING_THROUGHPUT, '--out', str(out),
                           '--dry-run', '--families', 'plain'], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['families']['plain']['status'] == 'pass'
    assert summary['phases']['throughput']['status'] == 'error'
    assert 'planted failure' in summary['phases']['throughput']['error']
    assert summary['phases']['table']['status'] == 'done' and summary['table']['runs']
    assert summary['passed'] is False


@needs_data
def test_a_killed_run_leaves_a_valid_summary_of_what_it_finished(tmp_path):
    out = tmp_path / 'out'
    proc = subprocess.Popen([sys.executable, '-m', 'benchmarks.gpu_check', '--out', str(out),
                             '--dry-run', '--families', 'plain', 'kd', 'dml-alternate'], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path, deadline = out / 'summary.json', time.time() + 600
    try:
        while time.time() < deadline:  # until the first family is in the summary
            if path.exists() and 'plain' in json.loads(path.read_text()).get('families', {}):
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    summary = json.loads(path.read_text())  # whole: written by rename, never half
    assert summary['families']['plain']['status'] == 'pass'
    assert summary['phases']['families']['status'] == 'running'
    assert summary['passed'] is False and 'total_s' not in summary


def test_shell_entry_refuses_a_folder_without_wheels(tmp_path):
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', str(tmp_path), str(tmp_path / 'o')],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2 and 'tools/misc/gpu_wheels.py' in proc.stderr


def _wheels(*args):
    return subprocess.run([sys.executable, 'tools/misc/gpu_wheels.py', *args], cwd=REPO,
                          capture_output=True, text=True)


@pytest.fixture(scope='module')
def printed_download():
    """The helper's --print output (one subprocess: each loads the whole stack, ~7 s)."""
    proc = _wheels('whl', '--print', '--python-version', '3.12')
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_wheel_helper_prints_the_offline_download(printed_download):
    for part in ('--no-deps', '--only-binary=:all:', '--python-version 3.12', 'mmcv-lite==2.1.0',
                 'mmengine==0.10.7', 'mmpretrain==1.2.0', 'mmrazor==1.0.0', 'model-index=='):
        assert part in printed_download


@needs_data
def test_import_closure_guard_passes_and_fails_without_a_carried_package():
    """What the check loads is carried or in the image; with model-index (mmpretrain imports
    modelindex) dropped from the carried list, the guard names it."""
    proc = _wheels('--guard')
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = _wheels('--guard', '--without', 'model-index')
    assert proc.returncode == 1 and 'modelindex' in proc.stderr, proc.stderr[-3000:]


def test_wheel_helper_check_names_what_is_missing_or_too_large(tmp_path, printed_download):
    packages = printed_download.split(' -d whl ')[1].split()
    for spec in packages[1:]:  # one wheel missing: named
        (tmp_path / f"{spec.split('==')[0].replace('-', '_')}-1.0-py3-none-any.whl").write_bytes(
            b'x' * 1000)
    proc = _wheels(str(tmp_path), '--check')  # one wheel and the data missing: both named at
    assert proc.returncode == 1 and packages[0] in proc.stderr  # once, the data with its source
    assert 'fashion-mnist lacks' in proc.stderr and '/usr/share/datasets' in proc.stderr
    name = packages[0].split('==')[0].replace('-', '_')
    (tmp_path / f'{name}-1.0-py3-none-any.whl').write_bytes(b'x')
    (tmp_path / 'fashion-mnist').mkdir()
    for f in ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
              't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'):
        (tmp_path / 'fashion-mnist' / f).write_bytes(b'x' * 300_000)
    proc = _wheels(str(tmp_path), '--check')
    assert proc.returncode == 0 and 'MiB' in proc.stdout
    proc = _wheels(str(tmp_path), '--check', '--max-mib', '1')  # 1.2 MiB in all: too large
    assert proc.returncode == 1 and 'over --max-mib 1' in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
