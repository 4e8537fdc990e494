"""tools/data/validate_data.py on a generated dataset with planted problems and
on the real tiny_surveillance clips."""
import json
import shutil
import sys

from conftest import REPO

sys.path.insert(0, str(REPO / 'tools' / 'data'))
import validate_data  # noqa: E402


def test_clean_real_split_passes(shared_data, tmp_path, capsys):
    root = shared_data / 'tiny_surveillance/val'
    rc = validate_data.main([
        str(root / 'annotations.json'), str(root / 'lr'), '--class-map',
        str(shared_data / 'tiny_surveillance/class_map.json'), '--sr-root',
        str(root / 'hr'), '--plot', str(tmp_path / 'c.png'),
        '--min-frames', '16'
    ])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert '51 entries, 51 videos decoded' in out
    assert (tmp_path / 'c.png').stat().st_size > 1000


def test_planted_problems_are_reported(mini_demo, tmp_path, capsys):
    data = tmp_path / 'd'
    shutil.copytree(mini_demo, data)
    ann = json.loads((data / 'tiny_val_v2.json').read_text())
    root = data / 'videos/val'
    (root / ann[0]['path']).unlink()                       # missing
    (root / ann[1]['path']).write_bytes(b'not a video')    # unreadable
    ann[2]['dim'] = [999, 1, 1]                             # dim mismatch
    ann[3]['label'] = ['flying']                            # unknown label
    ann[4]['id'] = ann[5]['id']                             # duplicate id
    (data / 'videos_hr/val' / ann[6]['path']).unlink()     # missing SR
    (data / 'bad.json').write_text(json.dumps(ann))
    rc = validate_data.main([
        str(data / 'bad.json'), str(root), '--class-map',
        str(data / 'class_map.json'), '--sr-root', str(data / 'videos_hr/val'),
        '--plot', str(tmp_path / 'c.png'), '--min-frames', '100'
    ])
    out = capsys.readouterr().out
    assert rc == 1
    assert 'ERROR missing_video: 1' in out and ann[0]['path'] in out
    assert 'ERROR unreadable_video: 1' in out and ann[1]['path'] in out
    assert 'ERROR unknown_label: 1' in out and "'flying'" in out
    assert 'ERROR duplicate_id: 1' in out
    assert 'ERROR missing_sr: 1' in out
    assert 'warning dim_mismatch: 1' in out and '[999, 1, 1]' in out
    assert 'warning short_clip: 3' in out  # demo clips have 12-40 frames


def _validate(data, ann_file, tmp_path, *extra):
    return validate_data.main([
        str(ann_file), str(data / 'videos/val'), '--class-map',
        str(data / 'class_map.json'), '--plot', str(tmp_path / 'c.png'),
        *extra
    ])


def test_empty_annotation_list_fails(mini_demo, tmp_path, capsys):
    (tmp_path / 'empty.json').write_text('[]')
    assert _validate(mini_demo, tmp_path / 'empty.json', tmp_path) == 1
    err = capsys.readouterr().err
    assert err.startswith('ERROR ') and 'empty.json: the annotation list is ' \
        'empty; expected at least one entry' in err
    assert not (tmp_path / 'c.png').exists()


def test_odd_labels_are_reported(mini_demo, tmp_path, capsys):
    ann = json.loads((mini_demo / 'tiny_val_v2.json').read_text())
    ann[0]['label'] = None
    ann[1]['label'] = 5
    ann[2]['label'] = []
    (tmp_path / 'odd.json').write_text(json.dumps(ann))
    assert _validate(mini_demo, tmp_path / 'odd.json', tmp_path,
                     '--no-decode') == 1
    out = capsys.readouterr().out
    assert 'ERROR malformed: 2' in out
    assert f"entry 0 (id {ann[0]['id']!r}" in out and 'got null; to mark ' \
        'unlabeled entries' in out
    assert f"entry 1 (id {ann[1]['id']!r}" in out and 'got 5' in out
    assert 'warning empty_label: 1' in out and \
        f"entry 2 (id {ann[2]['id']!r}" in out


def test_every_entry_bad_is_listed(mini_demo, tmp_path, capsys):
    ann = json.loads((mini_demo / 'tiny_val_v2.json').read_text())[:2]
    for e in ann:
        e['label'] = ['flying']
    (tmp_path / 'bad.json').write_text(json.dumps(ann))
    assert _validate(mini_demo, tmp_path / 'bad.json', tmp_path) == 1
    assert 'ERROR unknown_label: 2' in capsys.readouterr().out


def test_no_decode_still_finds_truncated_and_empty_videos(
        mini_demo, tmp_path, capsys):
    data = tmp_path / 'd'
    shutil.copytree(mini_demo, data)
    ann = json.loads((data / 'tiny_val_v2.json').read_text())
    first, second = (data / 'videos/val' / e['path'] for e in ann[:2])
    first.write_bytes(b'')
    second.write_bytes(second.read_bytes()[:-200])  # mp4: moov at the end
    assert _validate(data, data / 'tiny_val_v2.json', tmp_path,
                     '--no-decode') == 1
    out = capsys.readouterr().out
    assert 'ERROR unreadable_video: 2' in out and 'empty (0 bytes)' in out
