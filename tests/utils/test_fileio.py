"""Atomic writes give files the mode open() would (umask), and output paths
are checked before long work."""
import os
import stat
import sys

import numpy as np
import pytest

from tiny_action.utils.fileio import (atomic_path, atomic_write_bytes,
                                      check_writable_file, write_json_atomic)
from tiny_action.utils.video_io import write_video_atomic


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test (restored afterwards)."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize('mask, expected', [(0o022, 0o644), (0o077, 0o600),
                                            (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    with open(tmp_path / 'plain.txt', 'w'):
        pass
    assert _mode(tmp_path / 'plain.txt') == expected  # what open() gives
    atomic_write_bytes(str(tmp_path / 'a.txt'), b'x')
    write_json_atomic(str(tmp_path / 'b.json'), {'a': 1})
    with atomic_path(str(tmp_path / 'c.png'), suffix='.png') as tmp:
        with open(tmp, 'wb') as f:  # as savefig writes
            f.write(b'png')
    write_video_atomic(str(tmp_path / 'd.mp4'),
                       [np.zeros((16, 16, 3), np.uint8)] * 2)
    for name in ('a.txt', 'b.json', 'c.png', 'd.mp4'):
        assert _mode(tmp_path / name) == expected, name
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'a.txt', 'b.json', 'c.png', 'd.mp4', 'plain.txt']


def test_existing_file_keeps_its_mode(tmp_path, umask):
    path = tmp_path / 'answer.txt'
    path.write_text('old')
    os.chmod(path, 0o640)
    atomic_write_bytes(str(path), b'new')
    assert path.read_bytes() == b'new' and _mode(path) == 0o640


def test_still_atomic_on_error(tmp_path):
    path = tmp_path / 'r.json'
    path.write_text('{"old": 1}')
    with pytest.raises(RuntimeError, match='killed'):
        with atomic_path(str(path)) as tmp:
            with open(tmp, 'w') as f:
                f.write('{"half')
            raise RuntimeError('killed')
    assert path.read_text() == '{"old": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ['r.json']


def test_check_writable_file(tmp_path):
    check_writable_file(str(tmp_path / 'new/deeper/x.pkl'))  # created later
    assert not (tmp_path / 'new').exists()
    (tmp_path / 'd.pkl').mkdir()
    with pytest.raises(IsADirectoryError,
                       match=r'^dump file .*d\.pkl is an existing folder; '
                       'give a file path'):
        check_writable_file(str(tmp_path / 'd.pkl'), 'dump file')
    (tmp_path / 'f').write_text('')
    with pytest.raises(NotADirectoryError,
                       match=r'^cannot write output file .*f/x\.pkl: .*f is '
                       'a file, not a folder'):
        check_writable_file(str(tmp_path / 'f/x.pkl'))


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='uses /proc as a place nobody can write to')
def test_check_writable_file_read_only_place():
    # /proc refuses new files even to root (chmod would not stop root)
    with pytest.raises(PermissionError,
                       match=r'^cannot write output file /proc/x/s\.pkl: '
                       '/proc does not accept a new file'):
        check_writable_file('/proc/x/s.pkl')


@pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() == 0,
                    reason='root may write read-only files')
def test_check_writable_file_read_only_file(tmp_path):
    path = tmp_path / 'ro.pkl'
    path.write_text('')
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError, match='the existing file is '
                       'read-only'):
        check_writable_file(str(path))
