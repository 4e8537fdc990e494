"""tools/slurm_train.sh and tools/slurm_test.sh run mmaction2's own slurm
scripts: a stub ``srun`` on PATH records what they would launch."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

STUB = r'''#!/usr/bin/env bash
# records the srun call: argv, cwd, the python srun would start, and env
{
  printf '%s\0' "$@" > "$SRUN_RECORD.argv"
  "$REAL_PYTHON" - "$SRUN_RECORD" <<'PY'
import json, os, shutil, sys
json.dump(dict(cwd=os.getcwd(), python=shutil.which('python'),
               env={k: os.environ.get(k) for k in
                    ('PYTHONPATH', 'MASTER_PORT', 'GPUS', 'GPUS_PER_NODE')}),
          open(sys.argv[1] + '.json', 'w'))
PY
}
'''


def _launch(tmp_path: Path, script: str, args, cwd: Path = REPO, **env):
    stub_dir = tmp_path / 'bin'
    stub_dir.mkdir(exist_ok=True)
    (stub_dir / 'srun').write_text(STUB)
    (stub_dir / 'srun').chmod(0o755)
    record = tmp_path / 'srun'
    full_env = dict(os.environ, PATH=f'{stub_dir}:{os.environ["PATH"]}',
                    PYTHON=sys.executable, REAL_PYTHON=sys.executable,
                    SRUN_RECORD=str(record), **env)
    proc = subprocess.run(['bash', str(REPO / 'tools' / script)] + args,
                          cwd=str(cwd), env=full_env, capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 0:
        return proc, None, None
    argv = record.with_suffix('.argv').read_text().split('\0')[:-1]
    return proc, argv, json.loads(record.with_suffix('.json').read_text())


def _srun_options(partition, job, gpus, per_node, cpus, extra=()):
    return ['-p', partition, f'--job-name={job}', f'--gres=gpu:{per_node}',
            f'--ntasks={gpus}', f'--ntasks-per-node={per_node}',
            f'--cpus-per-task={cpus}', '--kill-on-bad-exit=1', *extra]


def _check_launch(info):
    # srun starts this repo's launcher (relative to its cwd, the repo root)
    # with the venv's python, from mmaction2's own script
    assert Path(info['cwd']) == REPO
    assert Path(info['python']).parent == Path(sys.executable).parent
    import mmaction
    stock_root = Path(mmaction.__file__).parent / '.mim'
    first = info['env']['PYTHONPATH'].split(':')[0]
    assert Path(first).resolve() == stock_root.resolve()


def test_slurm_train_launches_stock_script(tmp_path):
    proc, argv, info = _launch(
        tmp_path, 'slurm_train.sh',
        ['gpu', 'csn_lr', 'configs/csn_lr.py', '--work-dir', 'work_dirs/x',
         '--cfg-options', 'train_cfg.max_epochs=2'],
        GPUS='16', GPUS_PER_NODE='8', SRUN_ARGS='--qos=high')
    assert argv is not None, proc.stderr
    assert argv == _srun_options('gpu', 'csn_lr', 16, 8, 5, ['--qos=high']) + [
        'python', '-u', 'tools/train.py', 'configs/csn_lr.py',
        '--launcher=slurm', '--work-dir', 'work_dirs/x', '--cfg-options',
        'train_cfg.max_epochs=2'
    ]
    _check_launch(info)
    assert 12000 <= int(info['env']['MASTER_PORT']) < 32000


def test_slurm_test_launches_stock_script(tmp_path):
    proc, argv, info = _launch(
        tmp_path, 'slurm_test.sh',
        ['gpu', 'eval', 'configs/csn_lr.py', 'work_dirs/x/epoch_20.pth',
         '--dump', 'scores.pkl'], CPUS_PER_TASK='4')
    assert argv is not None, proc.stderr
    assert argv == _srun_options('gpu', 'eval', 8, 8, 4) + [
        'python', '-u', 'tools/test.py', 'configs/csn_lr.py',
        'work_dirs/x/epoch_20.pth', '--launcher=slurm', '--dump',
        'scores.pkl'
    ]
    _check_launch(info)


@pytest.mark.parametrize('script', ['slurm_train.sh', 'slurm_test.sh'])
def test_outside_repo_root_is_refused(tmp_path, script):
    proc, argv, _ = _launch(tmp_path, script, ['gpu', 'j', 'c.py', 'x.pth'],
                            cwd=tmp_path)
    assert proc.returncode == 2 and argv is None
    assert 'run it from the repository root' in proc.stderr
    assert not (tmp_path / 'srun.argv').exists()


def test_missing_stock_script_is_named():
    proc = subprocess.run(
        [sys.executable,
         str(REPO / 'projects/tiny_action/utils/stock_tools.py'), 'nope.sh'],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert 'mmaction2 1.' in proc.stderr
    assert 'does not ship tools/nope.sh' in proc.stderr
