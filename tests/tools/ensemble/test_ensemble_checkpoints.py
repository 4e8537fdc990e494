"""tools/analysis_tools/test_checkpoints.py orchestration with an injected
test runner (a fake ``tools/test.py`` that writes a dump)."""
import tiny_action  # noqa: F401  (compat shims + registration first)

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from ensemble_dumps import CLASSES, problem, write_annotation, write_dump
from mmengine.config import Config

from tiny_action.tools.ensemble import (available_epochs, load_dump,
                                        run_checkpoints, select_epochs)
from tiny_action.tools.ensemble.checkpoints import build_test_command
from tiny_action.tools.ensemble.cli import checkpoints_main

AVAILABLE = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


@pytest.mark.parametrize('spec, want', [
    (['3'], [3]),
    (['2', '4', '9'], [2, 4, 9]),
    ([4, 5, 6, 7], [4, 5, 6, 7]),
    ([2, 6, 10, 6], [2, 6, 10]),
    (['last:3'], [8, 9, 10]),
    (['middle:3'], [6, 8, 10]),
    (['middle:5'], [6, 7, 8, 9, 10]),
    (['middle:1', '1'], [1, 10]),
    (['all'], AVAILABLE),
])
def test_select_epochs(spec, want):
    assert select_epochs(spec, AVAILABLE) == want


@pytest.mark.parametrize('spec, match', [
    (['11'], r'no checkpoint for epoch 11; available: \[1, 2'),
    ([8, 9, 10, 11, 12], r'no checkpoint for epochs \[11, 12\]'),
    (['middle:6'], r'asks for 6 of 5 candidate'),
    (['last:0'], r'asks for 0'),
    (['best'], 'cannot read epochs'),
    (['5-3'], "cannot read epochs '5-3'"),
    ([], 'no epochs given'),
])
def test_select_epochs_errors(spec, match):
    with pytest.raises(ValueError, match=match):
        select_epochs(spec, AVAILABLE)


@pytest.fixture
def run(tmp_path):
    """A config (val + test loaders), a class map, annotation files and a
    run folder with epoch_1..6.pth."""
    val_ids = [f'{i:05d}' for i in range(100, 130)]
    test_ids = [f'{i:05d}' for i in range(20)]
    _, val_labels = problem(0, n=30)
    write_annotation(tmp_path / 'val.json', val_ids, val_labels,
                     test_paths=False)
    write_annotation(tmp_path / 'test.json', test_ids)
    (tmp_path / 'class_map.json').write_text(
        json.dumps({c: i for i, c in enumerate(CLASSES)}))

    def loader(split):
        return (f"dict(batch_size=2, dataset=dict(type='TinyVIRATDataset', "
                f"ann_file={str(tmp_path / f'{split}.json')!r}, "
                f"class_map={str(tmp_path / 'class_map.json')!r}, "
                f"pipeline=[]))")
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"val_dataloader = {loader('val')}\n"
                   f"test_dataloader = {loader('test')}\n"
                   "val_evaluator = dict(type='TinyActionMetric')\n"
                   "test_evaluator = val_evaluator\n")
    run_dir = tmp_path / 'work' / 'r3d_run'
    run_dir.mkdir(parents=True)
    for e in range(1, 7):
        (run_dir / f'epoch_{e}.pth').write_bytes(b'fake')
    (run_dir / 'best_f1_epoch_5.pth').write_bytes(b'fake')
    return dict(tmp=tmp_path, cfg=str(cfg), run_dir=str(run_dir),
                val_ids=val_ids, test_ids=test_ids, val_labels=val_labels)


def dump_of(cmd):
    """The .npz a test.py command writes (its NumpyDumpResults file)."""
    option = cmd[cmd.index('--cfg-options') + 1]
    key, path = option.split('=', 1)
    assert re.fullmatch(r'test_evaluator\.\d+\.out_file_path', key), option
    assert Config.fromfile(cmd[2]).test_evaluator[int(key.split('.')[1])][
        'type'] == 'NumpyDumpResults'
    return path


class FakeTest:
    """Stands in for ``python tools/test.py``: reads the config it is given
    and writes a dump of its test loader's annotation (scores depend on the
    checkpoint)."""

    def __init__(self, fail_on=None, write=True):
        self.commands = []
        self.fail_on = fail_on
        self.write = write

    def __call__(self, cmd):
        self.commands.append(cmd)
        config, ckpt = cmd[2], cmd[3]
        dump = dump_of(cmd)
        if self.write:
            entries = json.loads(Path(Config.fromfile(config).test_dataloader
                                      .dataset.ann_file).read_text())
            seed = int(Path(ckpt).stem.split('_')[-1])
            scores, _ = problem(seed, n=len(entries))
            labels = np.zeros((len(entries), len(CLASSES)))
            for i, e in enumerate(entries):
                labels[i, [CLASSES.index(n) for n in e.get('label', [])]] = 1
            write_dump(dump, scores, labels, [e['id'] for e in entries])
        return 1 if self.fail_on and self.fail_on in ckpt else 0


def test_commands_resume_and_val_config(run):
    out = run['tmp'] / 'out'
    ckpts = [os.path.join(run['run_dir'], f'epoch_{e}.pth') for e in (4, 6)]
    fake = FakeTest()
    dumps = run_checkpoints(run['cfg'], ckpts, str(out), splits=('val',
                                                                 'test'),
                            cfg_options=['test_dataloader.batch_size=4'],
                            runner=fake, logger='silent')
    assert dumps['test'] == [str(out / 'dumps' / f'r3d_run_epoch_{e}_test.npz')
                             for e in (4, 6)]
    assert len(fake.commands) == 4
    val_cmd, test_cmd = fake.commands[0], fake.commands[2]
    val_cfg = str(out / 'configs' / 'cfg_val.py')
    test_cfg = str(out / 'configs' / 'cfg_test.py')
    assert val_cmd[1].endswith(os.path.join('tools', 'test.py'))
    assert val_cmd[2:4] == [val_cfg, ckpts[0]]
    assert test_cmd[2:4] == [test_cfg, ckpts[0]]
    for cmd in (val_cmd, test_cmd):  # only the dump file on the command line
        assert cmd[-2] == '--cfg-options'
        assert dump_of(cmd).endswith('.partial.npz')
    assert test_cmd[test_cmd.index('--work-dir') + 1] == str(out / 'logs' /
                                                              'test')
    derived = Config.fromfile(val_cfg)
    assert derived.test_dataloader.dataset.ann_file.endswith('val.json')
    derived = Config.fromfile(test_cfg)  # --cfg-options merged
    assert derived.test_dataloader.dataset.ann_file.endswith('test.json')
    assert derived.test_dataloader.batch_size == 4
    assert derived.test_evaluator == [
        dict(type='TinyActionMetric'),
        dict(type='NumpyDumpResults',
             out_file_path=str(out / 'dumps' / 'cfg_test.npz'))]
    for split, ids in (('val', run['val_ids']), ('test', run['test_ids'])):
        for path in dumps[split]:
            assert load_dump(path).meta['id'] == ids
    assert not [p for p in os.listdir(out / 'dumps') if p.startswith('.')]

    # resumable: nothing is redone, a deleted dump is redone alone
    fake2 = FakeTest()
    os.remove(dumps['val'][1])
    run_checkpoints(run['cfg'], ckpts, str(out), splits=('val', 'test'),
                    runner=fake2, logger='silent')
    assert [c[3] for c in fake2.commands] == [ckpts[1]]
    fake3 = FakeTest()
    run_checkpoints(run['cfg'], ckpts, str(out), splits=('test', ),
                    runner=fake3, force=True, logger='silent')
    assert len(fake3.commands) == 2


def test_failures_leave_no_dump(run):
    out = run['tmp'] / 'out'
    ckpts = [os.path.join(run['run_dir'], f'epoch_{e}.pth') for e in (5, 6)]
    with pytest.raises(RuntimeError, match=r'failed \(exit code 1\) on '
                       r'.*epoch_6.pth \(test split\)'):
        run_checkpoints(run['cfg'], ckpts, str(out), runner=FakeTest(
            fail_on='epoch_6'), logger='silent')
    names = sorted(os.listdir(out / 'dumps'))
    assert names == ['r3d_run_epoch_5_test.npz']  # no partial, no epoch_6
    with pytest.raises(RuntimeError, match='wrote no dump'):
        run_checkpoints(run['cfg'], ckpts, str(out),
                        runner=FakeTest(write=False), logger='silent')
    with pytest.raises(ValueError, match='do not exist'):
        run_checkpoints(run['cfg'], ['nope.pth'], str(out), logger='silent')
    with pytest.raises(ValueError, match='splits should be among'):
        run_checkpoints(run['cfg'], ckpts, str(out), splits=('train', ),
                        logger='silent')
    other = run['tmp'] / 'other' / 'r3d_run'
    other.mkdir(parents=True)
    (other / 'epoch_5.pth').write_bytes(b'fake')
    with pytest.raises(ValueError, match='would share dump names'):
        run_checkpoints(run['cfg'], [ckpts[0], str(other / 'epoch_5.pth')],
                        str(out), logger='silent')


def test_checkpoints_main_end_to_end(run, capsys):
    assert list(available_epochs(run['run_dir'])) == [1, 2, 3, 4, 5, 6]
    out = run['tmp'] / 'ckpt_ens'
    fake = FakeTest()
    code = checkpoints_main([
        run['cfg'], '--run-dir', run['run_dir'], '--epochs', 'middle:2',
        '--out-dir', str(out), '--no-plots', '--cv-folds', '0',
        '--threshold-mode', 'per-class'
    ], runner=fake)
    assert code == 0, capsys.readouterr().err
    assert sorted({c[3] for c in fake.commands}) == [
        os.path.join(run['run_dir'], f'epoch_{e}.pth') for e in (4, 6)
    ]
    ens = out / 'ensemble'
    assert (ens / 'thresholds.json').is_file()
    lines = (ens / 'answer.txt').read_text().splitlines()
    assert [ln.split()[0] for ln in lines] == run['test_ids']
    summary = json.loads((ens / 'summary.json').read_text())
    assert len(summary['val']['dumps']) == 2
    assert summary['test']['aligned_by'] == 'id'

    fake = FakeTest()
    assert checkpoints_main([
        run['cfg'], '--checkpoints', os.path.join(run['run_dir'],
                                                  'epoch_1.pth'),
        '--out-dir', str(out), '--dry-run'
    ], runner=fake) == 0
    assert fake.commands == []
    assert 'epoch_1.pth --work-dir' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        checkpoints_main([run['cfg'], '--run-dir', run['run_dir'],
                          '--epochs', 'last:1', '--splits', 'test',
                          '--out-dir', str(out)], runner=fake)
    assert 'nothing to tune' in capsys.readouterr().err


def test_build_test_command():
    cmd = build_test_command('c.py', 'e.pth', 'd.npz', 'w', 2,
                             test_script='t.py', python='py')
    assert cmd == ['py', 't.py', 'c.py', 'e.pth', '--work-dir', 'w',
                   '--cfg-options', 'test_evaluator.2.out_file_path=d.npz']


def test_test_split_is_the_public_one_or_refused(run, tmp_path, capsys):
    """--splits test takes --test-ann/--test-videos; without them a config
    whose test loader reads the val annotation is refused before any
    test.py run."""
    cfg = Path(run['cfg'])
    same = tmp_path / 'same.py'
    same.write_text(cfg.read_text().replace(
        'test_dataloader = dict', 'unused = dict') +
        'test_dataloader = val_dataloader\n')
    fake = FakeTest()
    common = ['--checkpoints', os.path.join(run['run_dir'], 'epoch_6.pth'),
              '--no-ensemble', '--out-dir', str(tmp_path / 'out')]
    assert checkpoints_main([str(same), '--splits', 'test', *common],
                            runner=fake) == 2
    err = capsys.readouterr().err
    assert f'config {same}: its test_dataloader reads' in err
    assert 'val.json, the val annotation' in err and fake.commands == []
    videos = tmp_path / 'videos_test'
    videos.mkdir()
    assert checkpoints_main([
        str(same), '--splits', 'test', '--test-ann',
        str(run['tmp'] / 'test.json'), '--test-videos', str(videos),
        *common], runner=fake) == 0
    derived = Config.fromfile(fake.commands[0][2])
    assert derived.test_dataloader.dataset.ann_file == str(
        run['tmp'] / 'test.json')
    assert derived.test_dataloader.dataset.data_prefix['video'] == str(
        videos)
    dump = tmp_path / 'out' / 'dumps' / 'r3d_run_epoch_6_test.npz'
    assert load_dump(str(dump)).meta['id'] == run['test_ids']
    with pytest.raises(SystemExit):
        checkpoints_main([str(same), '--splits', 'test', '--test-ann',
                          str(run['tmp'] / 'test.json'), *common])
    assert '--test-ann and --test-videos together' in capsys.readouterr().err
