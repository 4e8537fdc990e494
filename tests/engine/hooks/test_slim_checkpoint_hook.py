"""SlimCheckpointHook: a default run keeps every epoch (the middle-epoch
ensemble can pick from it), superseded checkpoints lose their resume-only
state, stay testable, and --resume still continues from the latest."""
import re
from pathlib import Path

import pytest
import torch
from conftest import run_tool, tiny_config

from tiny_action.engine.hooks import SlimCheckpointHook, slim_checkpoint
from tiny_action.tools.ensemble.checkpoints import select_epochs

EPOCHS = 8  # middle:4 needs >= 7 epochs (4 in the second half)
RESUME_KEYS = {'optimizer', 'param_schedulers', 'message_hub'}


def _load(path: Path) -> dict:
    from mmengine.runner import CheckpointLoader
    return CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


def _epoch_files(work: Path) -> dict:
    found = {}
    for path in work.iterdir():
        m = re.fullmatch(r'epoch_(\d+)\.pth', path.name)
        if m:
            found[int(m.group(1))] = path
    return found


@pytest.fixture(scope='module')
def default_run(tmp_path_factory, mini_demo):
    """A default tiny run (the stock tools/train.py, the config's own
    checkpoint hook and save_best) of EPOCHS epochs."""
    tmp = tmp_path_factory.mktemp('slim')
    cfg = tiny_config(tmp / 'cfg.py', mini_demo, max_epochs=EPOCHS)
    work = tmp / 'work'
    run_tool(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
              'randomness.seed=0'])
    return cfg, work


def test_default_run_serves_middle_epoch_ensemble(default_run):
    _, work = default_run
    found = _epoch_files(work)
    assert sorted(found) == list(range(1, EPOCHS + 1))
    # the ensemble's selection on what the run kept is the selection on a
    # run that kept everything whole
    chosen = select_epochs(['middle:4'], list(found))
    assert chosen == select_epochs(['middle:4'], range(1, EPOCHS + 1))
    assert len(chosen) == 4 and chosen[-1] == EPOCHS
    assert len(list(work.glob('best_f1_epoch_*.pth'))) == 1
    latest = _load(found[EPOCHS])
    assert RESUME_KEYS <= set(latest)
    for epoch in range(1, EPOCHS):
        ckpt = _load(found[epoch])
        assert not RESUME_KEYS & set(ckpt), epoch
        assert ckpt['meta']['epoch'] == epoch
        assert ckpt['meta']['dataset_meta']['classes'][0] == 'walking'
        assert ckpt['state_dict'].keys() == latest['state_dict'].keys()
        assert found[epoch].stat().st_size < found[EPOCHS].stat().st_size
    assert not list(work.glob('.*.pth'))  # no temporary files left


def test_slim_middle_epoch_loads_strictly(default_run):
    """What tools/test.py loads of a checkpoint (every weight, strict) is
    all in a slimmed middle epoch."""
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint
    cfg, work = default_run
    middle = select_epochs(['middle:4'], list(_epoch_files(work)))[0]
    assert middle < EPOCHS
    model = MODELS.build(Config.fromfile(str(cfg)).model)
    load_checkpoint(model, str(work / f'epoch_{middle}.pth'),
                    map_location='cpu', strict=True)


def test_resume_from_latest_then_slim_it(default_run):
    cfg, work = default_run
    out = run_tool(['tools/train.py', cfg, '--work-dir', work, '--resume',
                    '--cfg-options', f'train_cfg.max_epochs={EPOCHS + 1}'])
    assert f'resumed epoch: {EPOCHS}' in out.stdout + out.stderr
    assert not RESUME_KEYS & set(_load(work / f'epoch_{EPOCHS}.pth'))
    assert RESUME_KEYS <= set(_load(work / f'epoch_{EPOCHS + 1}.pth'))


def test_slim_checkpoint_contract(tmp_path):
    from mmengine.runner import save_checkpoint
    path = tmp_path / 'c.pth'
    weights = {'w': torch.arange(1000.0)}
    save_checkpoint(dict(meta=dict(epoch=3), state_dict=weights,
                         optimizer={'state': {0: torch.ones(1000)}},
                         extra=1), str(path))
    before, after = slim_checkpoint(str(path))
    assert after < before == after + (before - after)
    ckpt = _load(path)
    assert set(ckpt) == {'meta', 'state_dict', 'extra'}
    assert torch.equal(ckpt['state_dict']['w'], weights['w'])
    assert slim_checkpoint(str(path)) == (after, after)  # idempotent
    torch.save({'w': torch.zeros(2)}, str(tmp_path / 'bare.pth'))
    with pytest.raises(ValueError, match=r'bare\.pth is not an mmengine '
                       'checkpoint'):
        slim_checkpoint(str(tmp_path / 'bare.pth'))


@pytest.mark.parametrize('keys, match', [
    ('optimizer', 'sequence of checkpoint entry names'),
    (['optimizer', 3], 'sequence of checkpoint entry names'),
    (['state_dict'], 'must stay testable'),
])
def test_bad_resume_keys(keys, match):
    with pytest.raises(ValueError, match=match):
        SlimCheckpointHook(resume_keys=keys, interval=1)
