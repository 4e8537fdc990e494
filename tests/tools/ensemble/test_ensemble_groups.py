import tiny_action  # noqa: F401  (compat shims + registration first)

import json
import os.path as osp

import numpy as np
import pytest
from ensemble_dumps import CLASSES

from tiny_action.datasets.class_map import load_class_map
from tiny_action.tools.ensemble import (DEFAULT_GROUPS_FILE, apply_exclusion,
                                        cooccurrences, load_groups,
                                        postprocess)

GROUPS = dict(groups=dict(turn=['turn_left', 'turn_right'],
                          gait=['walk', 'run', 'stand']))


def test_exclusion_keeps_at_most_one_per_group():
    rng = np.random.default_rng(0)
    scores = rng.random((200, len(CLASSES)))
    preds = scores > 0.2
    groups = load_groups(GROUPS, CLASSES)
    out = apply_exclusion(preds, scores, groups)
    for members in groups.values():
        assert (out[:, members].sum(axis=1) <= 1).all()
        had = preds[:, members].any(axis=1)
        assert (out[:, members].any(axis=1) == had).all()
        # the kept class is the highest-scoring predicted one
        masked = np.where(preds[:, members], scores[:, members], -1)
        kept = np.argmax(masked, axis=1)
        assert out[np.flatnonzero(had), np.array(members)[kept[had]]].all()
    others = [i for i in range(len(CLASSES))
              if all(i not in m for m in groups.values())]
    np.testing.assert_array_equal(out[:, others], preds[:, others])
    assert not np.shares_memory(out, preds)


def test_rank_by_margin_and_ties():
    groups = load_groups(GROUPS, CLASSES)
    scores = np.zeros((1, len(CLASSES)))
    scores[0, [3, 4]] = [0.9, 0.6]  # turn_left, turn_right
    thr = np.full(len(CLASSES), 0.45)
    thr[3] = 0.85
    by_score = postprocess(scores, thr, groups, 'score')
    by_margin = postprocess(scores, thr, groups, 'margin')
    assert by_score[0, 3] and not by_score[0, 4]
    assert by_margin[0, 4] and not by_margin[0, 3]
    tie = np.zeros((1, len(CLASSES)), dtype=bool)
    tie[0, [0, 1]] = True
    out = apply_exclusion(tie, np.ones((1, len(CLASSES))), groups)
    assert out[0, 0] and not out[0, 1]  # first listed class wins a tie
    with pytest.raises(ValueError, match='`rank_by`'):
        postprocess(scores, thr, groups, 'max')


@pytest.mark.parametrize('suffix', ['.yaml', '.json'])
def test_groups_files(tmp_path, suffix):
    path = tmp_path / f'groups{suffix}'
    if suffix == '.json':
        path.write_text(json.dumps(GROUPS))
    else:
        path.write_text('# comment\ngroups:\n  turn: [turn_left, turn_right]'
                        '\n  gait:\n    - walk\n    - run\n    - stand\n')
    assert load_groups(str(path), CLASSES) == dict(turn=[3, 4],
                                                   gait=[0, 1, 2])
    assert load_groups([['open', 'close']], CLASSES) == dict(group_0=[5, 6])
    assert load_groups('none', CLASSES) == {} == load_groups(None, CLASSES)


@pytest.mark.parametrize('spec, match', [
    (dict(groups=dict(turn=['turn_left', 'turn_rigth'])),
     r"group 'turn' names unknown class\(es\) \['turn_rigth'\]; the class "
     r'map has 8 classes'),
    (dict(groups=dict(turn=['turn_left'])), 'at least two classes'),
    (dict(groups=dict(turn=['turn_left', 'turn_left'])), 'repeats a class'),
    (dict(groups=dict(a=['walk', 'run'], b=['run', 'stand'])),
     "class 'run' is in group 'a' and in group 'b'"),
    (dict(groups=dict(a='walk')), 'should be a list of class names'),
    (dict(groups={}, extra=1), r"unknown top-level keys \['extra'\]"),
    (3, 'should map group names'),
])
def test_invalid_groups(spec, match):
    with pytest.raises(ValueError, match=match):
        load_groups(spec, CLASSES)


def test_invalid_groups_files(tmp_path):
    bad = tmp_path / 'g.yaml'
    bad.write_text('groups:\n  turn: [turn_left, nope]\n')
    with pytest.raises(ValueError, match=rf'groups file {bad}: group'):
        load_groups(str(bad), CLASSES)
    bad.write_text('groups: [unclosed\n')
    with pytest.raises(ValueError, match='malformed YAML'):
        load_groups(str(bad), CLASSES)
    with pytest.raises(ValueError, match='does not exist'):
        load_groups(str(tmp_path / 'missing.yaml'), CLASSES)
    txt = tmp_path / 'g.txt'
    txt.write_text('x')
    with pytest.raises(ValueError, match=r'\.yaml, \.yml or \.json'):
        load_groups(str(txt), CLASSES)


def test_cooccurrences():
    groups = load_groups(GROUPS, CLASSES)
    labels = np.zeros((3, len(CLASSES)), dtype=int)
    labels[0, [0, 2]] = 1  # walk + stand
    labels[1, [0, 7]] = 1  # walk + talk: not a group pair
    labels[2, [0, 2]] = 1
    assert cooccurrences(labels, groups, CLASSES) == [('gait', 'walk',
                                                       'stand', 2)]


def test_default_groups_are_package_data():
    assert osp.isfile(DEFAULT_GROUPS_FILE)
    rel = osp.relpath(DEFAULT_GROUPS_FILE,
                      osp.dirname(osp.dirname(DEFAULT_GROUPS_FILE)))
    assert rel == osp.join('resources', 'tinyvirat_groups.yaml')  # setup.py
    text = open(DEFAULT_GROUPS_FILE).read()
    assert text.count('# val:') >= 4  # each group states its evidence


def test_default_groups_never_cooccur_in_real_val_labels(shared_data):
    root = shared_data / 'tinyvirat_v2'
    classes = load_class_map(str(root / 'classes.txt'))
    assert len(classes) == 26
    groups = load_groups('default', classes)
    assert len(groups) >= 3
    entries = json.loads((root / 'tiny_val_v2.json').read_text())
    labels = np.zeros((len(entries), len(classes)), dtype=np.int64)
    for i, e in enumerate(entries):
        labels[i, [classes.index(n) for n in e['label']]] = 1
    assert len(entries) == 3308 and (labels.sum(1) > 1).sum() == 920
    assert cooccurrences(labels, groups, classes) == []
    # the check has teeth: pairs that were left out do co-occur
    left_out = load_groups(
        dict(a=['vehicle_starting', 'vehicle_stopping'],
             b=['Opening', 'Closing'],
             c=['Talking', 'specialized_talking_phone']), classes)
    assert [(g, n) for g, _, _, n in cooccurrences(labels, left_out)] == [
        ('a', 1), ('b', 1), ('c', 13)
    ]


def test_groups_yaml_constructs_no_python_object(tmp_path):
    target = tmp_path / 'pwned.txt'
    bad = tmp_path / 'g.yaml'
    bad.write_text(f"groups: !!python/object/apply:os.system ['touch "
                   f"{target}']\n")
    with pytest.raises(ValueError, match=rf'groups file {bad}: malformed '
                       'YAML.*python/object/apply'):
        load_groups(str(bad), CLASSES)
    assert not target.exists()
