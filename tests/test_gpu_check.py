"""The offline GPU check runs one way everywhere: its dry run (the same code on the CPU, tiny
counts) goes through tools/gpu_check.sh and writes the summary its README documents; the wheel
helper's checks refuse a folder that lacks a wheel or the data, or is too large."""
import json
import os
import subprocess
import sys

from conftest import REPO
from test_datasets import needs_data

SUMMARY_FIELDS = {'date', 'machine', 'device', 'dry_run', 'versions', 'budget_s', 'iters',
                  'ref_steps', 'rel_tol', 'detection', 'families', 'throughput', 'table',
                  'passed', 'total_s'}
FAMILY_FIELDS = {'config', 'status', 'cpu_first_losses', 'fp32_first_losses', 'max_rel_diff',
                 'fp32_iters', 'fp32_finite', 'fp32_last_loss', 'seconds'}


@needs_data
def test_dry_run_through_the_shell_entry_writes_the_summary(tmp_path):
    out = tmp_path / 'out'
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', '-', str(out), '--dry-run',
                           '--families', 'plain', 'kd', 'kdcl-linear'],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((out / 'summary.json').read_text())
    assert SUMMARY_FIELDS <= set(summary) and summary['dry_run'] is True
    assert summary['passed'] is True
    for name, fam in summary['families'].items():
        assert FAMILY_FIELDS <= set(fam), name
        # the "GPU" run is the CPU here: the same first losses exactly
        assert fam['status'] == 'pass' and fam['max_rel_diff'] == 0.0, name
        assert fam['fp32_iters'] == 2 and 'skipped' in fam['bf16']
    assert [r['case'] for r in summary['throughput']] == [
        'resnet20 (teacher / PS-KD model)', 'Hinton KD resnet20 -> resnet8x0.5']
    assert all(r['runner_over_bare'] > 0 for r in summary['throughput'])
    assert summary['table']['runs'] == [dict(row='alone', seed=0,
                                             seconds=summary['table']['runs'][0]['seconds'])]
    result = json.loads((out / 'results' / 'alone' / 'seed0.json').read_text())
    assert result['protocol']['machine'] == summary['machine']  # an ordinary result file
    assert sorted(os.listdir(out)) == ['results', 'summary.json']  # no checkpoints in OUT


def test_shell_entry_refuses_a_folder_without_wheels(tmp_path):
    proc = subprocess.run(['bash', 'tools/gpu_check.sh', str(tmp_path), str(tmp_path / 'o')],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2 and 'tools/misc/gpu_wheels.py' in proc.stderr


def _wheels(*args):
    return subprocess.run([sys.executable, 'tools/misc/gpu_wheels.py', *args], cwd=REPO,
                          capture_output=True, text=True)


def test_wheel_helper_prints_the_offline_download():
    proc = _wheels('whl', '--print', '--python-version', '3.12')
    assert proc.returncode == 0
    for part in ('--no-deps', '--only-binary=:all:', '--python-version 3.12', 'mmcv-lite==2.1.0',
                 'mmengine==0.10.7', 'mmpretrain==1.2.0', 'mmrazor==1.0.0'):
        assert part in proc.stdout


def test_wheel_helper_check_names_what_is_missing_or_too_large(tmp_path):
    packages = _wheels('whl', '--print').stdout.split(' -d whl ')[1].split()
    for spec in packages[1:]:  # one wheel missing: named
        (tmp_path / f"{spec.split('==')[0].replace('-', '_')}-1.0-py3-none-any.whl").write_bytes(
            b'x' * 1000)
    proc = _wheels(str(tmp_path), '--check')
    assert proc.returncode == 1 and packages[0] in proc.stderr
    name = packages[0].split('==')[0].replace('-', '_')
    (tmp_path / f'{name}-1.0-py3-none-any.whl').write_bytes(b'x')
    proc = _wheels(str(tmp_path), '--check')  # the data missing: named, with where it comes from
    assert proc.returncode == 1 and 'fashion-mnist lacks' in proc.stderr
    (tmp_path / 'fashion-mnist').mkdir()
    for f in ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
              't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'):
        (tmp_path / 'fashion-mnist' / f).write_bytes(b'x' * 300_000)
    proc = _wheels(str(tmp_path), '--check')
    assert proc.returncode == 0 and 'MiB' in proc.stdout
    proc = _wheels(str(tmp_path), '--check', '--max-mib', '1')  # 1.2 MiB in all: too large
    assert proc.returncode == 1 and 'over --max-mib 1' in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
