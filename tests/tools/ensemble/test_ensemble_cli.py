"""tools/analysis_tools/ensemble.py: tune + submit, tune only, apply only,
errors."""
import tiny_action  # noqa: F401  (compat shims + registration first)

import json
import os
import runpy
import sys

import numpy as np
import pytest
from conftest import REPO
from ensemble_dumps import CLASSES, problem, write_annotation, write_dump

from tiny_action.tools.ensemble import (load_ensemble, load_groups,
                                        load_thresholds, postprocess,
                                        read_answer_txt)
from tiny_action.tools.ensemble.cli import ensemble_main

GROUPS_YAML = 'groups:\n  turn: [turn_left, turn_right]\n  gait: [walk, run]\n'


@pytest.fixture(scope='module')
def inputs(tmp_path_factory):
    """Two models' val (labelled, 60 clips) and test (40 clips; 3 of the
    annotation's clips missing from the dumps) dumps."""
    tmp = tmp_path_factory.mktemp('ens_cli')
    class_map = tmp / 'class_map.json'
    class_map.write_text(json.dumps({c: i for i, c in enumerate(CLASSES)}))
    groups = tmp / 'groups.yaml'
    groups.write_text(GROUPS_YAML)
    val_ids = [f'{i:05d}' for i in range(100, 160)]
    test_ids = [f'{i:05d}' for i in range(43)]
    dumped = [i for i in test_ids if i not in ('00005', '00017', '00030')]
    write_annotation(tmp / 'test.json', test_ids)
    val, test = [], []
    for m in range(2):
        scores, labels = problem(10 + m, n=60)
        _, base_labels = problem(10, n=60)
        val.append(str(write_dump(tmp / f'm{m}_val.pkl', scores,
                                  base_labels, val_ids)))
        rng = np.random.default_rng(20 + m)
        test.append(str(write_dump(tmp / f'm{m}_test.pkl',
                                   rng.random((40, 8)), ids=dumped)))
    return dict(tmp=tmp, class_map=str(class_map), groups=str(groups),
                test_ann=str(tmp / 'test.json'), val=val, test=test)


def _expected_answer(inputs, thresholds_file, weights=None):
    ens = load_ensemble(inputs['test'], weights)
    thr = load_thresholds(thresholds_file, CLASSES)
    groups = load_groups(inputs['groups'], CLASSES)
    preds = postprocess(ens.scores, thr, groups)
    return dict(zip(ens.meta['id'], preds))


def test_tune_and_submit(inputs, tmp_path, capsys):
    out = tmp_path / 'out'
    code = ensemble_main([
        '--val-dumps', *inputs['val'], '--test-dumps', *inputs['test'],
        '--class-map', inputs['class_map'], '--test-ann', inputs['test_ann'],
        '--groups', inputs['groups'], '--weights', '1', '2', '--cv-folds',
        '3', '--zip', '--allow-missing', '--out-dir', str(out)
    ])
    assert code == 0
    text = capsys.readouterr().out
    for needle in ('== threshold 0.5', '== per-class thresholds',
                   '== thresholds + groups', 'cross-validated macro F1',
                   '3 test clips of', 'aligned by \'id\''):
        assert needle in text
    for name in ('thresholds.json', 'thresholds_info.json', 'report.txt',
                 'f1_per_class.png', 'threshold_curves.png', 'answer.txt',
                 'answer.zip', 'summary.json'):
        assert (out / name).is_file(), name
    assert (out / 'f1_per_class.png').read_bytes()[:4] == b'\x89PNG'
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['test']['missing'] == 3
    assert summary['test']['num_clips'] == 43
    assert summary['val']['weights'] == pytest.approx([1 / 3, 2 / 3])
    macro = summary['val']['macro']
    assert macro['per-class thresholds']['f1'] >= \
        macro['threshold 0.5']['f1'] - 1e-12

    ids, flags = read_answer_txt(str(out / 'answer.txt'), num_classes=8)
    assert ids == [f'{i:05d}' for i in range(43)]
    want = _expected_answer(inputs, str(out / 'thresholds.json'), [1, 2])
    for clip, row in zip(ids, flags):
        np.testing.assert_array_equal(row, want.get(clip, np.zeros(8)))
    groups = load_groups(inputs['groups'], CLASSES)
    for members in groups.values():
        assert (flags[:, members].sum(axis=1) <= 1).all()

    # apply only: the saved thresholds give the same submission
    out2 = tmp_path / 'apply'
    code = ensemble_main([
        '--test-dumps', *inputs['test'], '--thresholds',
        str(out / 'thresholds.json'), '--class-map', inputs['class_map'],
        '--test-ann', inputs['test_ann'], '--groups', inputs['groups'],
        '--weights', '1', '2', '--allow-missing', '--out-dir', str(out2)
    ])
    assert code == 0
    assert (out2 / 'answer.txt').read_bytes() == \
        (out / 'answer.txt').read_bytes()
    assert not (out2 / 'thresholds.json').exists()


def test_tune_only(inputs, tmp_path):
    out = tmp_path / 'tune'
    assert ensemble_main([
        '--val-dumps', *inputs['val'], '--class-map', inputs['class_map'],
        '--no-plots', '--cv-folds', '0', '--threshold-mode', 'size',
        '--out-dir', str(out)
    ]) == 0
    assert (out / 'thresholds.json').is_file()
    assert not (out / 'answer.txt').exists()
    assert not (out / 'f1_per_class.png').exists()


def test_errors(inputs, tmp_path, capsys):
    common = ['--class-map', inputs['class_map'], '--out-dir',
              str(tmp_path / 'x')]
    with pytest.raises(SystemExit):
        ensemble_main(['--test-dumps', *inputs['test'], *common])
    assert '--test-dumps needs --test-ann' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        ensemble_main(['--test-dumps', *inputs['test'], '--test-ann',
                       inputs['test_ann'], *common])
    assert 'needs --thresholds' in capsys.readouterr().err
    # a val dump and a test dump are not the same samples
    code = ensemble_main(['--val-dumps', inputs['val'][0], inputs['test'][0],
                          *common])
    err = capsys.readouterr().err
    assert code == 2
    assert inputs['val'][0] in err and inputs['test'][0] in err
    assert 'first difference at sample 0' in err
    # the test dumps carry no labels
    code = ensemble_main(['--val-dumps', *inputs['test'], *common])
    assert code == 2 and 'carry no labels' in capsys.readouterr().err
    bad_groups = tmp_path / 'g.yaml'
    bad_groups.write_text('groups:\n  x: [walk, fly]\n')
    code = ensemble_main(['--val-dumps', *inputs['val'], '--groups',
                          str(bad_groups), *common])
    assert code == 2 and "unknown class(es) ['fly']" in \
        capsys.readouterr().err


def test_tool_script(inputs, tmp_path, monkeypatch, capsys):
    """The thin tools/analysis_tools/ensemble.py itself, run as __main__
    in-process (a subprocess would spend its time importing torch /
    mmaction)."""
    out = tmp_path / 'tool'
    monkeypatch.setattr(sys, 'argv', [
        'tools/analysis_tools/ensemble.py', '--val-dumps', *inputs['val'],
        '--test-dumps', *inputs['test'], '--class-map', inputs['class_map'],
        '--test-ann', inputs['test_ann'], '--groups', inputs['groups'],
        '--no-plots', '--allow-missing', '--out-dir', str(out)
    ])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(REPO / 'tools' / 'analysis_tools' / 'ensemble.py'),
                       run_name='__main__')
    assert exit_info.value.code == 0
    assert 'Macro F1 on the labelled split' in capsys.readouterr().out
    assert len((out / 'answer.txt').read_text().splitlines()) == 43
    monkeypatch.setattr(sys, 'argv',
                        ['tools/analysis_tools/ensemble.py', '--help'])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(REPO / 'tools' / 'analysis_tools' / 'ensemble.py'),
                       run_name='__main__')
    assert exit_info.value.code == 0
    assert 'apply only' in capsys.readouterr().out


def _common(inputs, out):
    return ['--class-map', inputs['class_map'], '--test-ann',
            inputs['test_ann'], '--cv-folds', '3', '--out-dir', str(out)]


def test_val_dumps_given_as_test_are_refused(inputs, tmp_path, capsys):
    out = tmp_path / 'refused'
    # val clips (ids 00100-00159) are not test clips (00000-00042)
    code = ensemble_main(['--val-dumps', *inputs['val'], '--test-dumps',
                          *inputs['val'], *_common(inputs, out)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{inputs['val'][0]}: first foreign id '00100'" in err
    assert not out.exists()  # refused before anything was written
    # test dumps that lack clips of the annotation: refused by default
    code = ensemble_main(['--val-dumps', *inputs['val'], '--test-dumps',
                          *inputs['test'], *_common(inputs, out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert f"{inputs['test'][0]}: holds 40 clips, but the test annotation" \
        in err and "first missing id '00005'" in err
    assert '--allow-missing' in err
    # the val split given as the test split (its own annotation)
    val_ann = write_annotation(tmp_path / 'val.json',
                               [f'{i:05d}' for i in range(100, 160)])
    code = ensemble_main(['--val-dumps', *inputs['val'], '--test-dumps',
                          *inputs['val'], *_common(inputs, out)[:2],
                          '--test-ann', str(val_ann), '--out-dir', str(out)])
    err = capsys.readouterr().err
    assert code == 2 and 'hold the same 60 clips as the labelled-split' in err
    assert not out.exists()


def test_check_test_ids_messages(tmp_path):
    from tiny_action.tools.ensemble import check_test_ids
    entries = [dict(id=f'{i:05d}', path=f'{i:05d}.mp4') for i in range(4)]
    assert check_test_ids(['00003', '00001', '00000', '00002'], entries,
                          'd.npz', 'test.json') == 0
    with pytest.raises(ValueError, match=r"^d.npz: first foreign id '00009'"
                       r": 1 of its 2 clip ids are not in the test "
                       r'annotation test.json'):
        check_test_ids(['00001', '00009'], entries, 'd.npz', 'test.json')
    with pytest.raises(ValueError, match=r"^d.npz: holds 2 clips, but the "
                       r'test annotation test.json has 4 \(2 missing, first '
                       r"missing id '00001'\)"):
        check_test_ids(['00000', '00003'], entries, 'd.npz', 'test.json')
    assert check_test_ids(['00000', '00003'], entries, 'd.npz', 'test.json',
                          allow_missing=True) == 2


def test_outputs_are_checked_before_anything_is_written(inputs, tmp_path,
                                                        capsys):
    args = ['--val-dumps', *inputs['val'], '--test-dumps', *inputs['test'],
            '--allow-missing', *_common(inputs, tmp_path / 'x')[:-1]]
    out = tmp_path / 'answer_is_a_folder'
    (out / 'answer.txt').mkdir(parents=True)
    assert ensemble_main(args + [str(out)]) == 2
    err = capsys.readouterr().err
    assert f'output file {out / "answer.txt"} is an existing folder' in err
    assert sorted(p.name for p in out.iterdir()) == ['answer.txt']
    assert not any((out / 'answer.txt').iterdir())
    # a place nobody can write to (/proc refuses even root)
    if not os.path.isdir('/proc/self'):
        pytest.skip('needs /proc')
    assert ensemble_main(args + ['/proc/tiny_action_out']) == 2
    err = capsys.readouterr().err
    assert 'cannot write output file /proc/tiny_action_out/report.txt: ' \
        '/proc does not accept a new file' in err
    # an out-dir that is a file
    (tmp_path / 'plain').write_text('x')
    assert ensemble_main(args + [str(tmp_path / 'plain')]) == 2
    assert f'{tmp_path / "plain"} is a file, not a folder' in \
        capsys.readouterr().err
    assert (tmp_path / 'plain').read_text() == 'x'
