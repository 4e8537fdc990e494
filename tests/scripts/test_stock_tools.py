"""The stock mmaction2 tools, run through tools/*, on a mini demo dataset:
train -> test --dump, --resume after a kill, and 2-process gloo runs."""
import math
import os
import pickle
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import REPO, run_tool, tiny_config


def _last_checkpoint(work_dir: Path) -> Path:
    return Path((work_dir / 'last_checkpoint').read_text().strip())


def _ckpt_meta(path: Path) -> dict:
    from mmengine.runner.checkpoint import _load_checkpoint
    return _load_checkpoint(str(path), map_location='cpu')['meta']


def _iters_per_epoch(cfg_path: Path, world_size: int = 1) -> int:
    """Iterations of one epoch: the train set (with its data-balance copies)
    split over ``world_size`` ranks (padded), in batches of the config's."""
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    cfg = Config.fromfile(str(cfg_path))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.pipeline = []
    n = len(DATASETS.build(ds_cfg))
    per_rank = math.ceil(n / world_size)
    return math.ceil(per_rank / cfg.train_dataloader.batch_size)


def _metric(stdout_or_log: str, key: str = 'f1') -> float:
    found = re.findall(rf'Epoch\(test\).*? {key}: ([0-9.]+)', stdout_or_log)
    assert found, f'no test {key} in output:\n{stdout_or_log[-2000:]}'
    return float(found[-1])


@pytest.fixture(scope='module')
def trained(tmp_path_factory, mini_demo):
    """A 2-epoch stock tools/train.py run (shared by the tests below)."""
    tmp = tmp_path_factory.mktemp('train')
    cfg = tiny_config(tmp / 'cfg.py', mini_demo, max_epochs=2)
    work = tmp / 'work'
    run_tool(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
              'randomness.seed=0'])
    return cfg, work


def test_train_then_test_dump(trained, tmp_path):
    cfg, work = trained
    ckpt = work / 'epoch_2.pth'
    assert ckpt.is_file()
    assert _ckpt_meta(ckpt)['iter'] == 2 * _iters_per_epoch(cfg)
    dump = tmp_path / 'scores.pkl'
    proc = run_tool(['tools/test.py', cfg, ckpt, '--dump', dump])
    results = pickle.loads(dump.read_bytes())
    assert len(results) == 8
    for r in results:
        assert r['pred_score'].shape == (8, )
        assert ((r['pred_score'] >= 0) & (r['pred_score'] <= 1)).all()
        assert r['gt_label'].shape == (8, )
    assert 0.0 <= _metric(proc.stdout + proc.stderr) <= 1.0


def test_resume_after_kill_continues(tmp_path, mini_demo):
    max_epochs = 6
    cfg = tiny_config(tmp_path / 'cfg.py', mini_demo, max_epochs=max_epochs,
                      extra="default_hooks = dict(checkpoint=dict("
                      "save_best=None, max_keep_ckpts=-1))")
    work = tmp_path / 'work'
    cmd = [sys.executable, str(REPO / 'tools/train.py'), str(cfg),
           '--work-dir', str(work)]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen(cmd, cwd=str(REPO), env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (work / 'last_checkpoint').exists():  # written after a save
        assert proc.poll() is None, 'training ended before a checkpoint'
        assert time.time() < deadline, 'no checkpoint within 300 s'
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = _last_checkpoint(work)
    saved_meta = _ckpt_meta(saved)
    assert saved_meta['epoch'] < max_epochs, 'kill came too late to test'
    out = run_tool(['tools/train.py', cfg, '--work-dir', work, '--resume'])
    log = out.stdout + out.stderr
    assert f'resumed epoch: {saved_meta["epoch"]}, iter: ' \
           f'{saved_meta["iter"]}' in log
    final = _ckpt_meta(work / f'epoch_{max_epochs}.pth')
    assert final['epoch'] == max_epochs
    assert final['iter'] == max_epochs * _iters_per_epoch(cfg)


def test_dist_train_and_test_on_gloo_match_single_process(
        trained, tmp_path, mini_demo):
    if torch.cuda.is_available():
        pytest.skip('this test is for CPU machines (gloo)')
    cfg, _ = trained
    work = tmp_path / 'dist'
    env = dict(PORT='29561')
    run_tool(['tools/dist_train.sh', cfg, 2, '--work-dir', work], env=env)
    ckpt = work / 'epoch_2.pth'
    # each rank sees half the (padded) epoch
    assert _ckpt_meta(ckpt)['iter'] == 2 * _iters_per_epoch(cfg, 2)
    dist_dump, one_dump = tmp_path / 'dist.pkl', tmp_path / 'one.pkl'
    d = run_tool(['tools/dist_test.sh', cfg, ckpt, 2, '--dump', dist_dump],
                 env=dict(PORT='29562'))
    s = run_tool(['tools/test.py', cfg, ckpt, '--dump', one_dump])
    assert _metric(d.stdout + d.stderr) == _metric(s.stdout + s.stderr)
    assert _metric(d.stdout + d.stderr, 'mAP') == \
        _metric(s.stdout + s.stderr, 'mAP')
    a, b = pickle.loads(dist_dump.read_bytes()), pickle.loads(
        one_dump.read_bytes())
    assert len(a) == len(b) == 8
    for x, y in zip(a, b):
        assert torch.allclose(x['pred_score'], y['pred_score'], atol=1e-5)
