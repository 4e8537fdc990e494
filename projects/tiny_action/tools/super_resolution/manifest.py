"""The manifest of a super-resolution run: per-rank append-only logs and
the merged JSON.

Each rank appends one JSON line per finished clip to
``<manifest>.parts/rank<R>.jsonl`` (flushed and fsynced after the clip's
video is in place), so a killed run loses at most the line being written; a
torn last line is ignored when the logs are read. The merged manifest
(``write_json_atomic``) lists every clip of the annotation file in order with
its latest record made with the current settings.
"""
import glob
import json
import os
import os.path as osp
import threading
import time
from typing import Dict, List, Optional, Sequence

from tiny_action.utils.fileio import write_json_atomic

__all__ = [
    'ManifestLog', 'merge_manifest', 'part_dir', 'read_records',
    'settings_hash'
]


def settings_hash(settings: dict) -> str:
    """A short stable digest of the settings that change the outputs."""
    import hashlib
    text = json.dumps(settings, sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def part_dir(manifest_path: str) -> str:
    """Folder of the per-rank logs of ``manifest_path``."""
    return manifest_path + '.parts'


class ManifestLog:
    """Append-only JSON-lines log of one rank (thread-safe).

    Args:
        manifest_path (str): The merged manifest's path.
        rank (int): This process's rank.
    """

    def __init__(self, manifest_path: str, rank: int) -> None:
        folder = part_dir(manifest_path)
        os.makedirs(folder, exist_ok=True)
        self.path = osp.join(folder, f'rank{rank}.jsonl')
        self._lock = threading.Lock()
        self._file = open(self.path, 'a')
        # a line torn by a kill must not glue onto the next record
        if self._file.tell() > 0:
            with open(self.path, 'rb') as f:
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b'\n':
                    self._file.write('\n')

    def append(self, record: dict) -> None:
        """Write ``record`` (with a ``time`` stamp) as one durable line."""
        record = dict(record, time=time.time())
        line = json.dumps(record, sort_keys=True) + '\n'
        with self._lock:
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()

    def __enter__(self) -> 'ManifestLog':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_records(manifest_path: str) -> List[dict]:
    """Every record of the merged manifest and of all rank logs (any world
    size), oldest first; unparsable (torn) lines are skipped."""
    records = []
    if osp.isfile(manifest_path):
        try:
            with open(manifest_path) as f:
                merged = json.load(f)
        except (OSError, json.JSONDecodeError):
            merged = {}
        for clip in merged.get('clips', []):
            if clip.get('status') in ('done', 'failed'):
                records.append(clip)
    for log in sorted(glob.glob(osp.join(part_dir(manifest_path),
                                         'rank*.jsonl'))):
        with open(log) as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(rec, dict) and 'path' in rec:
                    records.append(rec)
    records.sort(key=lambda r: r.get('time', 0.0))
    return records


def latest_records(records: Sequence[dict],
                   settings_id: Optional[str] = None) -> Dict[str, dict]:
    """path -> latest record (made with ``settings_id`` if given)."""
    latest = {}
    for rec in records:
        if settings_id is None or rec.get('settings') == settings_id:
            latest[rec['path']] = rec
    return latest


def merge_manifest(manifest_path: str, clips: Sequence[str],
                   header: dict, settings_id: str) -> dict:
    """Merge the rank logs into ``manifest_path`` (atomically).

    Args:
        manifest_path (str): Where to write the merged manifest.
        clips (Sequence[str]): Every clip's relative path, in annotation
            order.
        header (dict): Run information stored at the top (settings, roots).
        settings_id (str): Only records made with these settings count.

    Returns:
        dict: The manifest written: ``header`` plus ``settings_id``,
        ``summary`` (``done`` / ``failed`` / ``pending`` counts) and
        ``clips`` (one entry per clip, ``status`` ``pending`` when no rank
        has recorded it yet).
    """
    latest = latest_records(read_records(manifest_path), settings_id)
    entries = []
    for path in clips:
        rec = latest.get(path)
        if rec is None:
            entries.append(dict(path=path, status='pending'))
        else:
            entries.append(rec)
    summary = {
        s: sum(e['status'] == s for e in entries)
        for s in ('done', 'failed', 'pending')
    }
    manifest = dict(header, settings_id=settings_id, num_clips=len(clips),
                    summary=summary, clips=entries)
    write_json_atomic(manifest_path, manifest)
    return manifest
