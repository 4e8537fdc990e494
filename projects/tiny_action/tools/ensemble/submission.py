"""The TinyAction Challenge recognition submission, ``answer.txt``.

Format. The challenge summary (Tirupattur et al. 2021, "TinyAction
Challenge: Recognizing Real-world Low-resolution Activities in Videos",
section 3.1) says only that submissions give, "for each sample", the
occurring activities "as a multi-hot vector", scored by precision, recall
and F1 averaged over classes. The line layout is the one of the organisers'
baseline (github.com/aayushjr/tinyAction, ``evaluate.py``, which writes
``answer.txt``): one line per test clip, the clip id zero-padded to 5
digits, then one ``0``/``1`` flag per class in class-index order, all
separated by single spaces::

    00000 0 0 0 1 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0
    00001 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0

The baseline writes every test id (clips it has no prediction for as all
zeros); so does :func:`build_answer`, for every entry of the test
annotation file, in increasing id order.
"""
import os
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from tiny_action.datasets.annotations import read_annotation_entries
from tiny_action.utils.fileio import atomic_write_bytes


class MissingPredictionsWarning(UserWarning):
    """Test clips of the annotation file without a prediction."""


def format_clip_id(clip_id) -> str:
    """``'12'`` / ``12`` / ``'00012'`` -> ``'00012'``.

    Raises:
        ValueError: If the id is not a non-negative integer.
    """
    text = str(clip_id).strip()
    if not text.isdigit():
        raise ValueError(f'clip id {clip_id!r} is not a non-negative integer; '
                         'answer.txt needs numeric ids (zero-padded to 5 '
                         'digits)')
    return f'{int(text):05d}'


def load_annotation_entries(ann_file: str) -> List[Dict]:
    """The entries of a TinyVIRAT annotation file (v2 list or v1
    ``{"tubes": [...]}``), each with a string ``id`` and ``path``.

    Raises:
        ValueError: If the file is unreadable, or an entry has no ``id`` /
            ``path`` or repeats an id.
    """
    if not osp.isfile(ann_file):
        raise ValueError(f'annotation file {ann_file} does not exist')
    entries = read_annotation_entries(ann_file)
    if not isinstance(entries, list) or not entries:
        raise ValueError(f'{ann_file}: expected a non-empty JSON list of '
                         'entries')
    seen = set()
    out = []
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or 'id' not in e or 'path' not in e:
            raise ValueError(f'{ann_file}: entry {i} needs "id" and "path", '
                             f'got {str(e)[:80]}')
        clip_id = str(e['id'])
        if clip_id in seen:
            raise ValueError(f'{ann_file}: entry {i} repeats id {clip_id!r}')
        seen.add(clip_id)
        out.append(dict(e, id=clip_id))
    return out


def align_to_annotation(meta: Dict[str, list], num_samples: int,
                        entries: Sequence[Dict],
                        source: str = 'the dumps') -> Tuple[List[str], str]:
    """The annotation id of every dump sample.

    Keys, in order of preference: ``id`` (the clip id; exact);
    ``filename`` (matched to the entry whose ``path`` it ends with);
    otherwise the sample position (``sample_idx`` if present, else the
    order in the dump) taken as the entry index, which is only right when
    the dataset kept every entry in file order, so then the dump must have
    exactly one sample per entry, and ``video_id`` (kept by mmaction's
    stock ``PackActionInputs``) is cross-checked when present.

    Args:
        meta (dict[str, list]): Identity keys of the dump samples
            (:attr:`DumpScores.meta`).
        num_samples (int): Number of dump samples.
        entries (Sequence[dict]): :func:`load_annotation_entries` output.
        source (str): Name of the dumps for messages.

    Returns:
        tuple[list[str], str]: Ids (one per dump sample) and the key used
        (``'id'``, ``'filename'``, ``'sample_idx'`` or ``'position'``).

    Raises:
        ValueError: If a dump sample matches no entry, two samples match
            one entry, or positional alignment is impossible or
            contradicted by ``video_id``.
    """
    known = {e['id'] for e in entries}
    if 'id' in meta:
        ids, key = [str(v) for v in meta['id']], 'id'
        unknown = [v for v in ids if v not in known]
        if unknown:
            raise ValueError(
                f'{source}: first foreign id {unknown[0]!r}: {len(unknown)} '
                'sample ids are not in the test annotation file (e.g. '
                f'{unknown[:5]}): wrong split or file?')
    elif 'filename' in meta:
        key = 'filename'
        by_path = {osp.normpath(e['path']): e['id'] for e in entries}
        depth = max(p.count(os.sep) for p in by_path) + 1
        ids = []
        for name in meta['filename']:
            parts = osp.normpath(str(name)).split(os.sep)
            match = None
            for d in range(1, min(depth, len(parts)) + 1):
                match = by_path.get(osp.join(*parts[-d:]))
                if match is not None:
                    break
            if match is None:
                raise ValueError(
                    f'{source}: sample file {name!r} matches no "path" of '
                    'the test annotation file: wrong split or file?')
            ids.append(match)
    else:
        key = 'sample_idx' if 'sample_idx' in meta else 'position'
        if num_samples != len(entries):
            raise ValueError(
                f'{source} carry no clip id ("id" or "filename" in the '
                f'metainfo) and have {num_samples} samples for '
                f'{len(entries)} annotation entries, so they cannot be '
                "aligned: add 'id' to meta_keys of the test pipeline's "
                'packing transform and dump again')
        order = (meta['sample_idx']
                 if key == 'sample_idx' else range(num_samples))
        ids = [entries[i]['id'] for i in order]
        if 'video_id' in meta:
            for i, (j, vid) in enumerate(zip(order, meta['video_id'])):
                want = entries[j].get('video_id')
                if want is not None and vid is not None and vid != want:
                    raise ValueError(
                        f'{source}: sample {i} has video_id {vid!r} but '
                        f'annotation entry {j} (id {entries[j]["id"]!r}) '
                        f'has {want!r}; positional alignment is wrong')
        warnings.warn(
            f'{source} carry no clip id; matched them to the annotation '
            f'entries by {key} (the dataset must have kept every entry, in '
            "file order). Add 'id' to the packing transform's meta_keys.",
            stacklevel=2)
    if len(set(ids)) != len(ids):
        dup = sorted({v for v in ids if ids.count(v) > 1})[:5]
        raise ValueError(f'{source}: several samples have the same clip id '
                         f'({key}), e.g. {dup}')
    return ids, key


def check_test_ids(ids: Sequence[str], entries: Sequence[Dict],
                   dump: str, ann_file: str,
                   allow_missing: bool = False) -> int:
    """Check that a test dump holds exactly the clips of the test annotation.

    ``answer.txt`` is scored per clip of the public test split, so a dump of
    another split (e.g. the val clips, whose ids share the numbering) must
    not become a submission.

    Args:
        ids (Sequence[str]): The dump's clip ids
            (:func:`align_to_annotation`).
        entries (Sequence[dict]): The test annotation's entries.
        dump (str): The dump file (for messages).
        ann_file (str): The test annotation file (for messages).
        allow_missing (bool): Accept a dump that lacks some annotation clips
            (the user's choice: they are written as all zeros and counted).
            Defaults to False.

    Returns:
        int: The number of annotation clips missing from the dump.

    Raises:
        ValueError: Naming the dump and the first foreign id (an id the
            annotation does not have) or the first missing one.
    """
    known = [str(e['id']) for e in entries]
    known_set, have = set(known), set(map(str, ids))
    foreign = [v for v in ids if v not in known_set]
    if foreign:
        raise ValueError(
            f'{dump}: first foreign id {foreign[0]!r}: {len(foreign)} of its '
            f'{len(ids)} clip ids are not in the test annotation {ann_file}; '
            'is this a dump of another split?')
    missing = [v for v in known if v not in have]
    if missing and not allow_missing:
        raise ValueError(
            f'{dump}: holds {len(have)} clips, but the test annotation '
            f'{ann_file} has {len(known)} ({len(missing)} missing, first '
            f'missing id {missing[0]!r}); answer.txt needs a dump of exactly '
            'the test clips: is this a dump of another split (README "Test '
            'split")? To write missing clips as all zeros, allow missing '
            'clips (--allow-missing)')
    return len(missing)


def build_answer(entries: Sequence[Dict], sample_ids: Sequence[str],
                 preds: np.ndarray) -> Tuple[List[str], np.ndarray, int]:
    """Rows of ``answer.txt``: every annotation id, in increasing order.

    Args:
        entries (Sequence[dict]): Test annotation entries.
        sample_ids (Sequence[str]): Id of each prediction row.
        preds (np.ndarray): Boolean predictions ``(N, C)``.

    Returns:
        tuple[list[str], np.ndarray, int]: Zero-padded ids, uint8 flags
        ``(M, C)`` for the ``M`` annotation entries, and the number of
        entries without a prediction (all zeros; a
        :class:`MissingPredictionsWarning` reports them).
    """
    preds = np.asarray(preds).astype(bool)
    if preds.shape[0] != len(sample_ids):
        raise ValueError(f'got {preds.shape[0]} prediction rows for '
                         f'{len(sample_ids)} ids')
    row_of = {str(v): i for i, v in enumerate(sample_ids)}
    ordered = sorted(entries, key=lambda e: int(format_clip_id(e['id'])))
    ids = [format_clip_id(e['id']) for e in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError('the test annotation ids collide once zero-padded '
                         '(e.g. "12" and "012")')
    flags = np.zeros((len(ordered), preds.shape[1]), dtype=np.uint8)
    rows = np.array([row_of.get(e['id'], -1) for e in ordered], dtype=int)
    have = rows >= 0
    flags[have] = preds[rows[have]]
    missing = int((~have).sum())
    if missing:
        examples = [ids[i] for i in np.flatnonzero(~have)[:5]]
        warnings.warn(
            f'{missing} of {len(ids)} test clips have no prediction in the '
            f'dumps (e.g. {examples}); they are written as all zeros',
            MissingPredictionsWarning,
            stacklevel=2)
    return ids, flags, missing


def write_answer_txt(path: str, ids: Sequence[str], flags: np.ndarray) -> None:
    """Write ``answer.txt`` (see the module docstring) atomically.

    Args:
        path (str): Output file.
        ids (Sequence[str]): Clip ids (zero-padded here).
        flags (np.ndarray): 0/1 array ``(M, C)``.
    """
    flags = np.asarray(flags)
    if flags.ndim != 2 or flags.shape[0] != len(ids):
        raise ValueError(f'got flags of shape {flags.shape} for {len(ids)} '
                         'ids')
    if not np.isin(flags, (0, 1)).all():
        raise ValueError('answer.txt flags should be 0 or 1')
    digits = np.where(flags.astype(bool), '1', '0')
    lines = [
        format_clip_id(i) + ' ' + ' '.join(row)
        for i, row in zip(ids, digits.tolist())
    ]
    atomic_write_bytes(path, ('\n'.join(lines) + '\n').encode('ascii'))


def read_answer_txt(path: str, num_classes: Optional[int] = None
                    ) -> Tuple[List[str], np.ndarray]:
    """Parse and validate an ``answer.txt``.

    Returns:
        tuple[list[str], np.ndarray]: Ids and uint8 flags ``(M, C)``.

    Raises:
        ValueError: Naming the first bad line.
    """
    ids, rows = [], []
    with open(path, encoding='ascii') as f:
        for n, line in enumerate(f, 1):
            parts = line.rstrip('\n').split(' ')
            if not parts[0].isdigit() or len(parts[0]) != 5 \
                    or any(p not in ('0', '1') for p in parts[1:]):
                raise ValueError(f'{path}:{n}: expected a 5-digit id and 0/1 '
                                 f'flags separated by spaces, got {line!r}')
            if num_classes is not None and len(parts) - 1 != num_classes:
                raise ValueError(f'{path}:{n}: {len(parts) - 1} flags for '
                                 f'{num_classes} classes')
            if rows and len(parts) - 1 != len(rows[0]):
                raise ValueError(f'{path}:{n}: {len(parts) - 1} flags, line 1'
                                 f' has {len(rows[0])}')
            ids.append(parts[0])
            rows.append([int(p) for p in parts[1:]])
    if len(set(ids)) != len(ids):
        raise ValueError(f'{path}: repeated clip ids')
    return ids, np.array(rows, dtype=np.uint8).reshape(len(ids), -1)


def write_zip(path: str, answer_txt: str) -> None:
    """Zip ``answer_txt`` as ``answer.txt`` at the archive root,
    atomically (evaluation servers take a zip)."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        z.write(answer_txt, arcname='answer.txt')
    atomic_write_bytes(path, buf.getvalue())
