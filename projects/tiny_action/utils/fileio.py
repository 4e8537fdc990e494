"""Atomic file writes: a killed process leaves either no file or a complete
one, never a partial file under the final name."""
import json
import os
import os.path as osp
import tempfile
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def atomic_path(path: str, suffix: str = '.part') -> Iterator[str]:
    """Yield a temporary path in ``path``'s folder; on success it is renamed
    to ``path`` (atomic on one filesystem), on error it is removed.

    Args:
        path: the final file.
        suffix: of the temporary name (some writers pick the format from
            it, e.g. ``'.png'``).
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix='.' + osp.basename(path) + '.', suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, 'wb') as f:
            f.write(data)


def write_json_atomic(path: str, obj, indent: int = 1) -> None:
    """``json.dump`` ``obj`` to ``path`` atomically."""
    atomic_write_bytes(path, json.dumps(obj, indent=indent).encode('utf-8'))


def check_writable_file(path: str, what: str = 'output file') -> None:
    """Fail now, before long work, if ``path`` cannot be written later: it
    is an existing folder, an existing read-only file, or its nearest
    existing folder does not accept a new file (read-only place, no
    permission, or a file where a folder should be). Folders that do not
    exist yet are fine (writers create them).

    Raises:
        IsADirectoryError: ``path`` is an existing folder.
        NotADirectoryError: a parent of ``path`` is a file.
        PermissionError: nothing can be written there.
    """
    full = osp.abspath(osp.expanduser(path))
    if osp.isdir(full):
        raise IsADirectoryError(
            f'{what} {path} is an existing folder; give a file path')
    folder = osp.dirname(full)
    while not osp.exists(folder):
        folder = osp.dirname(folder)
    if not osp.isdir(folder):
        raise NotADirectoryError(
            f'cannot write {what} {path}: {folder} is a file, not a folder')
    if osp.exists(full) and not os.access(full, os.W_OK):
        raise PermissionError(f'cannot write {what} {path}: the existing '
                              'file is read-only')
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise PermissionError(
            f'cannot write {what} {path}: {folder} does not accept a new '
            f'file ({e.strerror})') from e
