"""TinyVIRATDataset: real TinyVIRAT-v2 annotations, class maps, data
balance, paired roots and every bad-input error."""
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import write_mjpeg_avi

from tiny_action.datasets import (AnnotationError, TinyVIRATDataset,
                                  load_class_map)

CLASSES = ['walk', 'run', 'carry', 'wave']


def _real(shared_data, **kwargs):
    return TinyVIRATDataset(
        str(shared_data / 'tinyvirat_v2/tiny_val_v2.json'), [],
        class_map=str(shared_data / 'tinyvirat_v2/classes.txt'),
        check_files=False, **kwargs)


def test_real_val_annotations(shared_data):
    ds = _real(shared_data, num_classes=26)
    assert len(ds) == ds.num_original == 3308
    assert len(ds.classes) == 26 and ds.has_label
    counts = dict(zip(ds.classes, ds.class_counts.tolist()))
    expected = dict(Talking=1361, activity_walking=862, activity_carrying=720,
                    specialized_texting_phone=452, activity_standing=279,
                    Transport_HeavyCarry=229, vehicle_moving=154,
                    specialized_talking_phone=124, Pull=50,
                    vehicle_turning_right=45, vehicle_starting=38,
                    Interacts=34, specialized_using_tool=28,
                    vehicle_stopping=26, vehicle_turning_left=25, Entering=15,
                    Opening=14, Closing=13, Riding=13, activity_running=6,
                    Misc=5, activity_gesturing=5, Exiting=3, Loading=3,
                    Push=1, specialized_miscellaneous=1)
    assert counts == expected
    multi = sum(ds.get_data_info(i)['label'].sum() > 1 for i in range(len(ds)))
    assert multi == 920
    info = ds.get_data_info(0)
    assert info['id'] == '00000' and info['label'].dtype == np.float32
    assert info['filename'].endswith('VIRAT_S_050000_01_000207_000361/'
                                     '00000.mp4')
    assert ds.metainfo['classes'] == tuple(ds.classes)


def test_real_tail_flip_balance_grows_epoch(shared_data):
    ds = _real(shared_data, tail_flip=dict(max_count=50, copies=2))
    tail = set(ds.tail_class_indices)
    assert {ds.classes[i] for i in tail} >= {'Push', 'Pull', 'Entering'}
    n_tail = sum(
        bool(tail & set(ds.get_data_info(i)['label_idx']))
        for i in range(ds.num_original))
    assert len(ds) == 3308 + 2 * n_tail
    copy = ds.get_data_info(len(ds) - 1)
    assert copy['tail_flip'] and tail & set(copy['label_idx'])
    assert not ds.get_data_info(0)['tail_flip']
    # test mode never adds copies
    assert len(_real(shared_data, tail_flip=dict(max_count=50),
                     test_mode=True)) == 3308


def test_tail_class_rules(shared_data):
    ds = _real(shared_data)
    assert ds.tail_classes(classes=['Push', 'Misc']) == sorted(
        [ds.classes.index('Push'), ds.classes.index('Misc')])
    by_count = ds.tail_classes(max_count=5)
    assert {ds.classes[i] for i in by_count} == {
        'Misc', 'activity_gesturing', 'Exiting', 'Loading', 'Push',
        'specialized_miscellaneous'}
    assert len(ds.tail_classes(fraction=0.5)) == 13
    with pytest.raises(ValueError, match='exactly one'):
        ds.tail_classes(max_count=3, fraction=0.5)
    with pytest.raises(ValueError, match='not in the class map'):
        ds.tail_classes(classes=['Flying'])


def _write(tmp_path: Path, entries, name='ann.json', videos=True) -> str:
    ann = tmp_path / name
    ann.write_text(json.dumps(entries) if not isinstance(entries, str)
                   else entries)
    if videos:
        for e in entries if not isinstance(entries, str) else []:
            if isinstance(e, dict) and 'path' in e:
                for root in ('lr', 'sr'):
                    p = tmp_path / root / e['path']
                    p.parent.mkdir(parents=True, exist_ok=True)
                    p.write_bytes(b'x')
    return str(ann)


def _entry(i, labels=('walk', ), **kw):
    e = dict(id=f'{i:05d}', video_id='v', path=f'v/{i:05d}.mp4',
             dim=[8, 32, 32], label=list(labels))
    e.update(kw)
    return e


def _ds(tmp_path, ann, **kwargs):
    kwargs.setdefault('data_prefix', dict(video=str(tmp_path / 'lr')))
    return TinyVIRATDataset(ann, [], class_map=CLASSES, **kwargs)


def test_v1_tubes_and_unlabeled_test_split(tmp_path):
    ann = _write(tmp_path, [_entry(0), _entry(1, ('run', 'carry'))])
    tubes = tmp_path / 'v1.json'
    tubes.write_text(json.dumps({'tubes': json.loads(Path(ann).read_text())}))
    ds = _ds(tmp_path, str(tubes))
    assert len(ds) == 2
    assert ds.get_data_info(1)['label'].tolist() == [0, 1, 1, 0]
    test = [{k: v for k, v in _entry(i).items() if k != 'label'}
            for i in range(3)]
    ds = _ds(tmp_path, _write(tmp_path, test, 'test.json'), test_mode=True)
    assert not ds.has_label and len(ds) == 3
    assert ds.get_data_info(0)['label'].sum() == 0


def test_paired_sr_root(tmp_path):
    ann = _write(tmp_path, [_entry(0)])
    ds = _ds(tmp_path, ann, data_prefix=dict(video=str(tmp_path / 'lr'),
                                             sr=str(tmp_path / 'sr')))
    info = ds.get_data_info(0)
    assert info['sr_filename'] == str(tmp_path / 'sr/v/00000.mp4')


@pytest.mark.parametrize('entries,match', [
    ('[{"id": "00000", ', r'ann\.json: malformed JSON at line 1'),
    ({'videos': []}, r'expected a JSON list of entries'),
    ([_entry(0), {'id': '00001', 'label': []}], r'entry 1: expected an object with a "path" string'),
    ([_entry(0), _entry(1, ('fly', ))],
     r"entry 1 \(id '00001'.*unknown label\(s\) \['fly'\]"),
    ([_entry(0), _entry(0)], r"entry 1 \(id '00000'.*duplicate id"),
    ([_entry(0), {k: v for k, v in _entry(1).items() if k != 'label'}],
     r'entry 1 \(id .00001.*has no "label" while other entries do'),
    ([_entry(0), dict(_entry(1), label=None)],
     r'ann\.json: entry 1 \(id .00001.*"label" should be a list of class '
     r'names \(or one name\), got null; to mark unlabeled entries, leave '
     r'"label" out'),
    ([dict(_entry(0), label=3)],
     r'ann\.json: entry 0 \(id .00000.*"label" should be a list of class '
     r'names \(or one name\), got 3$'),
    ([dict(_entry(0), label=['walk', 7])],
     r'entry 0 .*should be a list of class names.*got \["walk", 7\]'),
    ([], r'ann\.json: the annotation list is empty; expected at least one '
     'entry'),
    ({'tubes': []}, r'ann\.json: the annotation list is empty'),
])
def test_bad_annotations_raise_naming_file_and_entry(tmp_path, entries,
                                                     match):
    ann = _write(tmp_path, entries)
    with pytest.raises(AnnotationError, match=match):
        _ds(tmp_path, ann)


def test_missing_video_and_sr(tmp_path):
    ann = _write(tmp_path, [_entry(0), _entry(1)])
    (tmp_path / 'lr/v/00001.mp4').unlink()
    with pytest.raises(AnnotationError,
                       match=r"ann\.json: entry 1 \(id '00001'.*video file "
                       r'.*00001\.mp4 does not exist'):
        _ds(tmp_path, ann)
    ann = _write(tmp_path, [_entry(0), _entry(1)])
    (tmp_path / 'sr/v/00000.mp4').unlink()
    with pytest.raises(AnnotationError,
                       match=r"entry 0 .*super-resolved counterpart "
                       r'.*sr/v/00000\.mp4 does not exist'):
        _ds(tmp_path, ann, data_prefix=dict(video=str(tmp_path / 'lr'),
                                            sr=str(tmp_path / 'sr')))


def test_skip_is_logged_and_counted(tmp_path, caplog):
    entries = [_entry(0), _entry(1, ('fly', )), _entry(0), _entry(3)]
    ann = _write(tmp_path, entries)
    (tmp_path / 'lr/v/00003.mp4').unlink()
    ds = _ds(tmp_path, ann, on_error='skip', probe_videos=False)
    assert len(ds) == 1
    assert {k: len(v) for k, v in ds.skipped.items() if v} == {
        'unknown_label': 1, 'duplicate_id': 1, 'missing_video': 1}


def test_class_map_forms_and_errors(tmp_path):
    (tmp_path / 'm.json').write_text(json.dumps({'b': 1, 'a': 0}))
    assert load_class_map(str(tmp_path / 'm.json')) == ['a', 'b']
    (tmp_path / 'c.txt').write_text('x\ny\n\n')
    assert load_class_map(str(tmp_path / 'c.txt')) == ['x', 'y']
    assert load_class_map({'p': 0, 'q': 1}) == ['p', 'q']
    with pytest.raises(ValueError, match='indices should be 0..1'):
        load_class_map({'p': 0, 'q': 2})
    with pytest.raises(ValueError, match=r"repeats names \['x'\]"):
        load_class_map(['x', 'x'])
    with pytest.raises(ValueError, match='does not exist'):
        load_class_map(str(tmp_path / 'nope.json'))
    ann = _write(tmp_path, [_entry(0)])
    with pytest.raises(ValueError, match='has 4 classes but num_classes=26'):
        _ds(tmp_path, ann, num_classes=26)


def test_bad_arguments(tmp_path):
    ann = _write(tmp_path, [_entry(0)])
    with pytest.raises(ValueError, match='`on_error`'):
        _ds(tmp_path, ann, on_error='ignore')
    with pytest.raises(ValueError, match='exactly one of'):
        _ds(tmp_path, ann, tail_flip=dict(copies=2))
    with pytest.raises(ValueError, match='copies'):
        _ds(tmp_path, ann, tail_flip=dict(max_count=1, copies=0))


def test_flip_label_pairs_by_name(tmp_path):
    ann = _write(tmp_path, [_entry(0, ('walk', 'wave')), _entry(1)])
    ds = _ds(tmp_path, ann, flip_label_pairs=[('wave', 'walk')],
             tail_flip=dict(classes=['wave']))
    assert ds.flip_label_pairs == [(3, 0)]
    # every sample (originals and data-balance copies) carries the indices
    for i in range(len(ds)):
        assert ds.get_data_info(i)['flip_label_pairs'] == [(3, 0)]
    assert _ds(tmp_path, ann).get_data_info(0)['flip_label_pairs'] == []


@pytest.mark.parametrize('pairs, match', [
    ([('walk', 'fly')], r"names \['fly'\], not a class of the class map "
     r"\(4 classes: \['walk', 'run', 'carry', 'wave'\]\)"),
    ([('walk', 'walk')], 'two different class names'),
    ([('walk', 'run', 'wave')], 'two different class names'),
    ('walk', 'list of pairs'),
    ([('walk', 'run'), ('run', 'wave')], r"\['run'\] repeats"),
])
def test_flip_label_pairs_errors(tmp_path, pairs, match):
    ann = _write(tmp_path, [_entry(0)])
    with pytest.raises(ValueError, match=match):
        _ds(tmp_path, ann, flip_label_pairs=pairs)


def test_reverse_label_pairs_and_irreversible_classes_by_name(tmp_path):
    ann = _write(tmp_path, [_entry(0, ('walk', 'wave')), _entry(1)])
    ds = _ds(tmp_path, ann, reverse_label_pairs=[('run', 'walk')],
             irreversible_classes=['carry'])
    assert ds.reverse_label_pairs == [(1, 0)]
    assert ds.irreversible_classes == [2]
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert info['reverse_label_pairs'] == [(1, 0)]
        assert info['irreversible_classes'] == [2]
    info = _ds(tmp_path, ann).get_data_info(0)
    assert info['reverse_label_pairs'] == info['irreversible_classes'] == []


@pytest.mark.parametrize('kwargs, match', [
    (dict(reverse_label_pairs=[('walk', 'fly')]),
     r"`reverse_label_pairs` names \['fly'\], not a class"),
    (dict(reverse_label_pairs='walk'),
     '`reverse_label_pairs` should be a list of pairs'),
    (dict(irreversible_classes=['fly']),
     r"`irreversible_classes` names \['fly'\], not a class of the class "
     r"map \(4 classes"),
    (dict(irreversible_classes='carry'), 'should be a list of class names'),
    (dict(irreversible_classes=['carry', 'carry']), 'each class once'),
    (dict(reverse_label_pairs=[('run', 'walk')], irreversible_classes=['run']),
     r"\['run'\] are both in `reverse_label_pairs` and in "
     '`irreversible_classes`'),
])
def test_reverse_label_errors(tmp_path, kwargs, match):
    ann = _write(tmp_path, [_entry(0)])
    with pytest.raises(ValueError, match=match):
        _ds(tmp_path, ann, **kwargs)


def test_unknown_pair_name_names_the_class_map_file(tmp_path):
    ann = _write(tmp_path, [_entry(0)])
    (tmp_path / 'classes.txt').write_text('\n'.join(CLASSES))
    with pytest.raises(ValueError,
                       match=r"\['turn_left'\], not a class of class map "
                       r'.*classes\.txt'):
        TinyVIRATDataset(ann, [], class_map=str(tmp_path / 'classes.txt'),
                         data_prefix=dict(video=str(tmp_path / 'lr')),
                         flip_label_pairs=[('turn_left', 'walk')])


def test_paper_config_pairs_are_real_mirror_classes(shared_data):
    """The names in the TinyVIRAT config resolve against the real class
    list: turning left <-> right."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(Path(__file__).resolve().parents[2] /
                              'configs/_base_/datasets/tinyvirat_lr.py'))
    pairs = cfg.train_dataloader.dataset.flip_label_pairs
    ds = _real(shared_data, flip_label_pairs=pairs)
    assert [(ds.classes[a], ds.classes[b]) for a, b in ds.flip_label_pairs] \
        == [('vehicle_turning_left', 'vehicle_turning_right')]


def _log_file(tmp_path: Path, name: str) -> Path:
    """A fresh current MMLogger writing to a file (it does not propagate
    to pytest's caplog)."""
    from mmengine.logging import MMLogger
    log = tmp_path / f'{name}.log'
    MMLogger.get_instance(name, log_file=str(log), log_level='INFO')
    return log


def test_empty_label_list_is_all_negative_and_counted(tmp_path):
    log = _log_file(tmp_path, 'test_empty_label_list')
    ann = _write(tmp_path, [_entry(0), _entry(1, ()), _entry(2, ())])
    ds = _ds(tmp_path, ann)
    assert len(ds) == 3
    assert ds.get_data_info(1)['label'].sum() == 0
    assert len(ds.empty_label) == 2 and "id '00001'" in ds.empty_label[0]
    assert '2 entries have an empty label list and are used as ' \
        'all-negative samples' in log.read_text()


def test_every_entry_skipped_names_the_file(tmp_path):
    ann = _write(tmp_path, [_entry(0, ('fly', )), dict(_entry(1), label=1)])
    with pytest.raises(AnnotationError,
                       match=r'ann\.json: no usable entry: all 2 entries were '
                       r"skipped \(on_error=\"skip\"\): \{'malformed': 1, "
                       r"'unknown_label': 1\}"):
        _ds(tmp_path, ann, on_error='skip', probe_videos=False)


def _video_entries(tmp_path):
    """Five entries: a good clip, a 0-byte file, garbage, a truncated
    MJPEG AVI (10 of 30 frames) and a good clip."""
    entries = [_entry(i, path=f'v/{i:05d}.avi') for i in range(5)]
    ann = _write(tmp_path, entries, videos=False)
    root = tmp_path / 'lr/v'
    root.mkdir(parents=True)
    write_mjpeg_avi(root / '00000.avi')
    (root / '00001.avi').write_bytes(b'')
    (root / '00002.avi').write_bytes(b'not a video at all')
    write_mjpeg_avi(root / '00003.avi', keep=10)
    write_mjpeg_avi(root / '00004.avi', frames=5)
    return ann


def test_skip_also_skips_bad_videos(tmp_path):
    log = _log_file(tmp_path, 'test_skip_also_skips_bad_videos')
    ann = _video_entries(tmp_path)
    ds = _ds(tmp_path, ann, on_error='skip')
    assert [ds.get_data_info(i)['id'] for i in range(len(ds))] == [
        '00000', '00004']
    bad = ds.skipped['unreadable_video']
    assert len(bad) == 3
    assert "entry 1 (id '00001'" in bad[0] and 'empty (0 bytes)' in bad[0]
    assert "entry 2 (id '00002'" in bad[1] and 'corrupt or not a' in bad[1]
    assert "entry 3 (id '00003'" in bad[2] and 'is truncated: its header ' \
        'declares 30 frames but the file holds only 10' in bad[2]
    assert 'skipped 3 entries (on_error="skip") -- unreadable_video: 3' \
        in log.read_text()


def test_empty_video_fails_at_load_naming_it(tmp_path):
    ann = _video_entries(tmp_path)
    with pytest.raises(AnnotationError,
                       match=r"ann\.json: entry 1 \(id '00001'.*Video file "
                       r"'.*00001\.avi' is empty \(0 bytes\)"):
        _ds(tmp_path, ann)
    # probing on request: the truncated file fails at load too
    (tmp_path / 'lr/v/00001.avi').unlink()
    (tmp_path / 'lr/v/00002.avi').unlink()
    write_mjpeg_avi(tmp_path / 'lr/v/00001.avi')
    write_mjpeg_avi(tmp_path / 'lr/v/00002.avi')
    with pytest.raises(AnnotationError,
                       match=r"entry 3 \(id '00003'.*00003\.avi' is "
                       'truncated: its header declares 30 frames'):
        _ds(tmp_path, ann, probe_videos=True)
