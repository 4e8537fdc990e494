"""The paper's Table 3 ensemble as a recipe (configs/ensemble/
table3_tinyvirat.py + tools/analysis_tools/ensemble_recipe.py):
its members, the dumps of every member checkpoint on val and on the test
split (SR members on the SR test clips), and answer.txt; once with a fake
tools/test.py (every command checked), once end to end with tiny stand-in
models through the stock tools/test.py."""
import tiny_action  # noqa: F401  (compat shims + registration first)

import json
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, tiny_config
from ensemble_dumps import CLASSES, problem, write_annotation, write_dump
from mmengine.config import Config

from tiny_action.tools.ensemble import (load_dump, load_recipe,
                                        read_answer_txt)
from tiny_action.tools.ensemble.cli import recipe_main

RECIPE = REPO / 'configs' / 'ensemble' / 'table3_tinyvirat.py'
GROUPS_YAML = 'groups:\n  turn: [turn_left, turn_right]\n'


def test_shipped_recipe_is_table3():
    recipe = load_recipe(str(RECIPE))
    count = Counter()
    for m in recipe.members:
        count[m.paper] += len(m.epochs)
        assert (REPO / m.config).is_file(), m.config
        assert m.input == ('sr' if m.paper.endswith('(SR)') else 'lr')
    assert count == {'UniFormer': 1, 'UniFormer(SR)': 2, 'ir-CSN': 4,
                     'ir-CSN(SR)': 3, 'ir-CSN(SR+KD)': 2}
    assert recipe.test_ann.endswith('tiny_test_v2.json')
    assert recipe.test_videos['sr'].endswith('/videos_sr/test')
    assert recipe.ensemble['threshold_mode'] == 'auto'
    kd = next(m for m in recipe.members if m.name == 'csn_kd')
    assert kd.cfg_options == ['model.teacher_ckpt=work_dirs/csn_sr/'
                              'epoch_30.pth']


def _recipe_for(tmp: Path, configs: dict, runs: Path, test_ann: str,
                videos: dict, class_map: str, counts_ann: str,
                groups: str, epochs=None, teacher: str = '',
                keep=None) -> Path:
    """The shipped recipe with its paths pointed at stand-ins (same
    members, epochs, inputs, ensemble options; ``epochs`` maps a member's
    epochs, ``keep`` names the members kept)."""
    cfg = Config.fromfile(str(RECIPE))
    if keep is not None:
        cfg.members = [m for m in cfg.members if m.name in keep]
    for m in cfg.members:
        m.config = configs[m.input if m.name != 'csn_kd' else 'kd']
        m.run_dir = str(runs / m.name)
        if epochs is not None:
            m.epochs = epochs(m.epochs)
        if m.name == 'csn_kd':
            m.cfg_options = [f'model.teacher_ckpt={teacher}']
    cfg.test_split = dict(ann_file=test_ann, videos=videos)
    cfg.class_map = class_map
    cfg.ensemble.update(counts_ann=counts_ann, groups=groups, cv_folds=3)
    path = tmp / 'recipe.py'
    cfg.dump(str(path))
    return path


class FakeTest:
    """Stands in for ``python tools/test.py``: writes the dump of the split
    config's test annotation (scores from the checkpoint's epoch)."""

    def __init__(self):
        self.commands = []

    def __call__(self, cmd):
        self.commands.append(cmd)
        cfg = Config.fromfile(cmd[2])
        entries = json.loads(Path(cfg.test_dataloader.dataset.ann_file)
                             .read_text())
        labels = np.zeros((len(entries), len(CLASSES)))
        for i, e in enumerate(entries):
            labels[i, [CLASSES.index(n) for n in e.get('label', [])]] = 1
        seed = int(Path(cmd[3]).stem.split('_')[-1]) + len(cmd[3])
        scores = 0.5 * problem(seed, n=len(entries))[0] + 0.5 * labels
        key, dump = cmd[-1].split('=', 1)
        assert key.endswith('.out_file_path')
        write_dump(dump, scores, labels, [e['id'] for e in entries])
        return 0


@pytest.fixture
def fake_setup(tmp_path):
    """Annotations, videos folders, a loader-only config per input kind and
    a run folder per member with the epochs of the shipped recipe."""
    val_ids = [f'{i:05d}' for i in range(60)]
    test_ids = [f'{i:05d}' for i in range(45)]  # the numbering restarts
    _, val_labels = problem(0, n=60)
    write_annotation(tmp_path / 'val.json', val_ids, val_labels,
                     test_paths=False)
    write_annotation(tmp_path / 'test.json', test_ids)
    write_annotation(tmp_path / 'train.json', val_ids, val_labels,
                     test_paths=False)
    (tmp_path / 'class_map.json').write_text(
        json.dumps({c: i for i, c in enumerate(CLASSES)}))
    (tmp_path / 'groups.yaml').write_text(GROUPS_YAML)
    videos = {k: str(tmp_path / f'videos_{k}' / 'test') for k in ('lr', 'sr')}
    configs = {}
    for kind in ('lr', 'sr', 'kd'):
        loader = (f"dict(batch_size=2, dataset=dict(type='TinyVIRATDataset', "
                  f"ann_file={str(tmp_path / 'val.json')!r}, "
                  f"data_prefix=dict(video='videos_{kind}/val'), "
                  "pipeline=[]))")
        path = tmp_path / f'{kind}.py'
        path.write_text(f'val_dataloader = {loader}\n'
                        'test_dataloader = val_dataloader\n'
                        "val_evaluator = dict(type='TinyActionMetric')\n"
                        'test_evaluator = val_evaluator\n')
        configs[kind] = str(path)
    for v in videos.values():
        os.makedirs(v)
    runs = tmp_path / 'runs'
    for m in load_recipe(str(RECIPE)).members:
        (runs / m.name).mkdir(parents=True)
        for e in range(1, 31):
            (runs / m.name / f'epoch_{e}.pth').write_bytes(b'fake')
    recipe = _recipe_for(
        tmp_path, configs, runs, str(tmp_path / 'test.json'), videos,
        str(tmp_path / 'class_map.json'), str(tmp_path / 'train.json'),
        str(tmp_path / 'groups.yaml'),
        teacher=str(runs / 'csn_sr' / 'epoch_30.pth'))
    return dict(tmp=tmp_path, recipe=str(recipe), videos=videos,
                test_ids=test_ids, runs=runs)


def test_recipe_commands_dumps_and_answer(fake_setup, capsys):
    s = fake_setup
    work = s['tmp'] / 'work'
    fake = FakeTest()
    assert recipe_main([s['recipe'], '--work-dir', str(work)],
                       runner=fake) == 0, capsys.readouterr().err
    assert len(fake.commands) == 24  # 12 checkpoints x (val, test)
    by_split = {'val': [], 'test': []}
    for cmd in fake.commands:
        member, split = Path(cmd[2]).parts[-3], Path(cmd[2]).stem[-4:]
        split = 'test' if split == 'test' else 'val'
        cfg = Config.fromfile(cmd[2])
        video = cfg.test_dataloader.dataset.data_prefix['video']
        if split == 'test':
            kind = 'sr' if member in ('uniformer_sr', 'csn_sr') else 'lr'
            assert video == s['videos'][kind], (member, video)
            assert cfg.test_dataloader.dataset.ann_file.endswith('test.json')
        else:
            assert cfg.test_dataloader.dataset.ann_file.endswith('val.json')
        if member == 'csn_kd':
            assert cfg.model.teacher_ckpt.endswith('csn_sr/epoch_30.pth')
        by_split[split].append((member, Path(cmd[3]).stem))
    assert by_split['val'] == by_split['test'] == [
        ('uniformer', 'epoch_30'), ('uniformer_sr', 'epoch_23'),
        ('uniformer_sr', 'epoch_30'), ('csn', 'epoch_9'), ('csn', 'epoch_16'),
        ('csn', 'epoch_23'), ('csn', 'epoch_30'), ('csn_sr', 'epoch_16'),
        ('csn_sr', 'epoch_23'), ('csn_sr', 'epoch_30'),
        ('csn_kd', 'epoch_23'), ('csn_kd', 'epoch_30')]
    ens = work / 'ensemble'
    summary = json.loads((ens / 'summary.json').read_text())
    assert len(summary['val']['dumps']) == len(summary['test']['dumps']) == 12
    assert summary['test']['dumps'][1].endswith(
        os.path.join('members', 'uniformer_sr', 'dumps',
                     'uniformer_sr_epoch_23_test.npz'))
    assert summary['val']['threshold_mode'] in ('global', 'size',
                                                'per-class', 'shrunk')
    ids, flags = read_answer_txt(str(ens / 'answer.txt'), len(CLASSES))
    assert ids == s['test_ids'] and summary['test']['missing'] == 0
    assert 'Threshold mode: ' in capsys.readouterr().out

    fake2 = FakeTest()  # resumable: every dump is reused
    assert recipe_main([s['recipe'], '--work-dir', str(work)],
                       runner=fake2) == 0
    assert fake2.commands == []


def test_recipe_refuses_before_any_test_run(fake_setup, capsys):
    s = fake_setup
    fake = FakeTest()
    os.remove(s['runs'] / 'csn_sr' / 'epoch_23.pth')
    assert recipe_main([s['recipe'], '--work-dir', str(s['tmp'] / 'w')],
                       runner=fake) == 2
    err = capsys.readouterr().err
    assert "member 'csn_sr'" in err and 'no checkpoint for epoch 23' in err
    (s['runs'] / 'csn_sr' / 'epoch_23.pth').write_bytes(b'fake')
    work = s['tmp'] / 'w2'
    (work / 'ensemble' / 'answer.txt').mkdir(parents=True)
    assert recipe_main([s['recipe'], '--work-dir', str(work)],
                       runner=fake) == 2
    assert f'output file {work / "ensemble" / "answer.txt"} is an existing ' \
        'folder' in capsys.readouterr().err
    os.rmdir(s['videos']['sr'])
    assert recipe_main([s['recipe'], '--work-dir', str(s['tmp'] / 'w3')],
                       runner=fake) == 2
    assert f'test clip folder {s["videos"]["sr"]} does not exist' in \
        capsys.readouterr().err
    assert fake.commands == []
    bad = s['tmp'] / 'bad.py'
    bad.write_text(Path(s['recipe']).read_text().replace("input='sr'",
                                                         "input='hr'"))
    assert recipe_main([str(bad), '--work-dir', str(s['tmp'] / 'w4')]) == 2
    assert "`input` should be one of ['lr', 'sr']" in capsys.readouterr().err


def in_process_test(cmd):
    """Runs a ``python tools/test.py ...`` command as the stock script in
    this process (no interpreter start-up per checkpoint)."""
    from tiny_action.utils import run_stock_tool
    argv = sys.argv
    try:
        run_stock_tool('test.py', cmd[2:])
    except SystemExit as e:  # argparse errors
        return e.code or 0
    finally:
        sys.argv = argv
    return 0


def _stand_in_checkpoint(cfg_path: str, path: Path, seed: int,
                         options=()) -> None:
    """A randomly initialised model of the config, saved as a checkpoint."""
    import torch
    from mmaction.registry import MODELS
    from tiny_action.tools.demo.data import CLASSES as DEMO_CLASSES
    cfg = Config.fromfile(cfg_path)
    for option in options:
        key, value = option.split('=', 1)
        cfg.merge_from_dict({key: value})
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=list(DEMO_CLASSES)))),
               str(path))


def test_recipe_end_to_end_with_tiny_models(mini_demo, tmp_path, capsys):
    """The recipe's three kinds of member (ir-CSN, ir-CSN(SR) on the SR test
    clips, ir-CSN(SR+KD) with its teacher), last epoch each, as tiny random
    models tested by the stock tools/test.py on the mini demo's val and
    test splits (the high-res twins as the SR clips), then answer.txt. (The
    fake-test.py test above runs all 12 members; each real test.py run costs
    1-3 s of mmengine set-up.)"""
    fast = ("val_dataloader['dataset']['serialize_data'] = False\n"
            "test_dataloader['dataset']['serialize_data'] = False")
    configs = {
        'lr': tiny_config(tmp_path / 'lr.py', mini_demo, extra=fast),
        'sr': tiny_config(tmp_path / 'sr.py', mini_demo, extra=fast,
                          base='configs/demo/demo_hr.py',
                          video_dir='videos_hr'),
        'kd': tiny_config(tmp_path / 'kd.py', mini_demo, extra=fast,
                          base='configs/demo/demo_kd.py', sr_dir='videos_hr'),
    }
    configs = {k: str(v) for k, v in configs.items()}
    runs = tmp_path / 'runs'
    teacher = runs / 'csn_sr' / 'epoch_30.pth'
    recipe = _recipe_for(
        tmp_path, configs, runs, str(mini_demo / 'tiny_test_v2.json'),
        dict(lr=str(mini_demo / 'videos' / 'test'),
             sr=str(mini_demo / 'videos_hr' / 'test')),
        str(mini_demo / 'class_map.json'),
        str(mini_demo / 'tiny_train_v2.json'), str(mini_demo / 'groups.json'),
        epochs=lambda e: e[-1:], teacher=str(teacher),
        keep=('csn', 'csn_sr', 'csn_kd'))
    members = load_recipe(str(recipe)).members
    assert [m.name for m in members] == ['csn', 'csn_sr', 'csn_kd']
    for i, m in enumerate(members):
        _stand_in_checkpoint(m.config, runs / m.name / 'epoch_30.pth', i,
                             m.cfg_options)
    work = tmp_path / 'work'
    assert recipe_main([str(recipe), '--work-dir', str(work)],
                       runner=in_process_test) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    test_ids = [e['id'] for e in json.loads(
        (mini_demo / 'tiny_test_v2.json').read_text())]
    ids, flags = read_answer_txt(str(work / 'ensemble' / 'answer.txt'), 8)
    assert ids == sorted(test_ids)
    summary = json.loads((work / 'ensemble' / 'summary.json').read_text())
    assert len(summary['test']['dumps']) == 3
    assert summary['test']['aligned_by'] == 'id'
    for dump in summary['test']['dumps']:
        assert sorted(load_dump(dump).meta['id']) == sorted(test_ids)
    sr_test = Config.fromfile(str(
        work / 'members' / 'csn_sr' / 'configs' / 'sr_test.py'))
    assert sr_test.test_dataloader.dataset.data_prefix['video'] == str(
        mini_demo / 'videos_hr' / 'test')
    # the members differ (own random weights) and the report names the mode
    scores = [load_dump(d).scores for d in summary['test']['dumps']]
    assert not np.allclose(scores[0], scores[1])
    assert f'Threshold mode: {summary["val"]["threshold_mode"]}' in out


def test_tools_test_on_the_unlabeled_test_split(mini_demo, tmp_path, capsys):
    """README "Test split": tools/test.py on an unlabeled test annotation
    from a config whose test loader is val, by --cfg-options alone; the
    ensemble writes answer.txt from that dump and refuses the val dump given
    as the test dump."""
    from tiny_action.tools.ensemble import TestSplit
    from tiny_action.tools.ensemble.cli import ensemble_main
    entries = json.loads((mini_demo / 'tiny_test_v2.json').read_text())
    unlabeled = tmp_path / 'tiny_test_v2.json'  # as the public test file
    unlabeled.write_text(json.dumps(
        [{k: v for k, v in e.items() if k != 'label'} for e in entries]))
    cfg = tiny_config(tmp_path / 'cfg.py', mini_demo, extra=(
        "test_dataloader = val_dataloader  # the TinyVIRAT configs' default"))
    ckpt = tmp_path / 'run' / 'epoch_1.pth'
    _stand_in_checkpoint(str(cfg), ckpt, 0)
    split = TestSplit(str(unlabeled), str(mini_demo / 'videos' / 'test'))
    dumps = {}
    for name, options in (('test', split.cfg_options()), ('val', [])):
        dumps[name] = tmp_path / f'{name}.pkl'
        assert in_process_test(['python', 'tools/test.py', str(cfg),
                                str(ckpt), '--dump', str(dumps[name]),
                                '--work-dir', str(tmp_path / 'w'),
                                *(['--cfg-options', *options]
                                  if options else [])]) == 0
    test = load_dump(str(dumps['test']))
    assert test.meta['id'] == [e['id'] for e in entries]
    assert not test.has_labels  # the unlabeled split
    common = ['--class-map', str(mini_demo / 'class_map.json'),
              '--test-ann', str(unlabeled), '--thresholds', '0.5']
    out = tmp_path / 'answer'
    assert ensemble_main(['--test-dumps', str(dumps['test']), *common,
                          '--out-dir', str(out)]) == 0
    ids, _ = read_answer_txt(str(out / 'answer.txt'), 8)
    assert ids == sorted(e['id'] for e in entries)
    out2 = tmp_path / 'refused'
    assert ensemble_main(['--test-dumps', str(dumps['val']), *common,
                          '--out-dir', str(out2)]) == 2
    err = capsys.readouterr().err
    val_ids = [e['id'] for e in json.loads(
        (mini_demo / 'tiny_val_v2.json').read_text())]
    assert f"{dumps['val']}: first foreign id {val_ids[0]!r}" in err
    assert not out2.exists()


def test_recipe_file_errors(tmp_path):
    text = RECIPE.read_text()
    cases = [
        ('members = [', 'unused = [', 'has no `members`'),
        ("cv_folds=5)", "cv_folds=5, out_dir='x')",
         r"`ensemble` cannot set \['out_dir'\]"),
        ("epochs=[30], input='lr'),", "epochs=[30], input='lr', lr=1),",
         r"member 0 \('uniformer'\): missing \[\], unknown \['lr'\]"),
    ]
    for old, new, match in cases:
        path = tmp_path / 'r.py'
        path.write_text(text.replace(old, new, 1))
        with pytest.raises(ValueError, match=match):
            load_recipe(str(path))


def test_tool_script_dry_run(fake_setup, monkeypatch, capsys):
    """tools/analysis_tools/ensemble_recipe.py itself (run as __main__ in
    this process): --dry-run checks the recipe and prints the commands."""
    import runpy
    s = fake_setup
    monkeypatch.setattr(sys, 'argv', [
        'tools/analysis_tools/ensemble_recipe.py', s['recipe'], '--work-dir',
        str(s['tmp'] / 'dry'), '--dry-run'])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(REPO / 'tools' / 'analysis_tools' /
                           'ensemble_recipe.py'), run_name='__main__')
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.count('tools/test.py') == 24
    assert not (s['tmp'] / 'dry' / 'ensemble').exists()
