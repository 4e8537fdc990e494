"""TinyVIRAT multi-label video dataset (v2 list format and v1 ``tubes``)."""
import json
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from mmaction.datasets import BaseActionDataset
from mmaction.registry import DATASETS
from mmengine.logging import MMLogger

from .annotations import AnnotationError, read_annotation_entries
from .class_map import load_class_map
from .label_pairs import resolve_classes, resolve_label_pairs
from .transforms.loading import check_video_file, probe_video

#: reasons an entry can be rejected; with ``on_error='skip'`` each is counted.
ERROR_KINDS = ('malformed', 'unknown_label', 'duplicate_id', 'missing_video',
               'unreadable_video', 'missing_sr', 'unreadable_sr')


@DATASETS.register_module()
class TinyVIRATDataset(BaseActionDataset):
    """TinyVIRAT(-v2) multi-label dataset.

    The annotation file is either the v2 JSON list of entries
    ``{"id", "video_id", "path", "dim": [frames, h, w], "label": [names],
    ["clip_id"]}`` or the v1 form ``{"tubes": [entries]}``. The public test
    split has no ``label``: a file where no entry has a label is *unlabeled*
    (``has_label=False``, all-zero label vectors; use it for inference).

    Each sample yields: ``filename`` (low-res video), ``sr_filename`` (the
    super-resolved / high-res twin with the same relative path, only when
    ``data_prefix['sr']`` is given), ``label`` (``np.float32`` multi-hot of
    length ``num_classes``), ``label_names``, ``id``, ``video_id``,
    ``clip_id``, ``dim``, ``tail_flip`` (True for an extra data-balance copy),
    ``flip_label_pairs``, ``reverse_label_pairs``, ``irreversible_classes``
    (see below) and ``sample_idx``.

    Labels: ``"label"`` is a list of class names (or one name). An empty
    list is a valid all-negative sample (no action); such entries are
    counted in :attr:`empty_label` and logged as a warning, since an
    annotation tool that lost the labels writes the same. ``null``, numbers
    and other types are errors naming the entry; to mark unlabeled entries,
    leave ``"label"`` out of every entry. An annotation list without entries,
    or whose every entry was skipped, is an error naming the file.

    Data balance (paper section 2): with ``tail_flip=dict(...)`` every epoch
    holds the original samples plus ``copies`` extra copies of every sample
    that carries at least one tail-class label, marked ``tail_flip=True`` so
    that the ``TailFlipBalance`` transform flips them. The epoch therefore
    grows from ``N`` to ``N + copies * N_tail``; both numbers are logged.

    Mirrored directions: ``flip_label_pairs`` names classes that a horizontal
    flip turns into each other (``vehicle_turning_left`` /
    ``vehicle_turning_right``). The names are resolved through the class map
    when the dataset is built (an unknown name raises, naming it) and every
    sample carries the index pairs, so that whatever flips it (the
    ``TailFlipBalance`` transform) swaps those labels. The pairs are also
    :attr:`flip_label_pairs` (indices) for tools that flip clips themselves.
    Time reversal (the ``TemporalReverse`` transform) works the same way:
    ``reverse_label_pairs`` names classes that turn into each other when a
    clip plays backwards (``Entering`` / ``Exiting``), and
    ``irreversible_classes`` those whose backward clip is no class
    (``Loading``): their samples are never reversed.

    Args:
        ann_file (str): Annotation JSON.
        pipeline (list): Data transforms.
        class_map (str | list | dict): ``class_map.json`` (name -> index), a
            text file with one class name a line, a list of names (index
            order) or a dict name -> index.
        num_classes (int, optional): Expected number of classes (set it to the
            head's ``num_classes``); a mismatch with ``class_map`` raises.
        data_prefix (dict): ``video``: root of the low-res videos; ``sr``
            (optional): root of their super-resolved counterparts.
            Defaults to ``dict(video='')``.
        tail_flip (dict, optional): data balance. Keys: exactly one of
            ``classes`` (list of names), ``max_count`` (classes with at most
            this many samples) or ``fraction`` (the rarest fraction of
            classes); and ``copies`` (default 1). Ignored in test mode.
        flip_label_pairs (Sequence[Sequence[str]], optional): Pairs of class
            names that swap under a horizontal flip. Defaults to None (no
            pair).
        reverse_label_pairs (Sequence[Sequence[str]], optional): Pairs of
            class names that swap when a clip plays backwards. Defaults to
            None (no pair).
        irreversible_classes (Sequence[str], optional): Class names whose
            samples ``TemporalReverse`` never reverses; none may be in
            ``reverse_label_pairs``. Defaults to None (none).
        on_error (str): ``'raise'`` (default) stops at the first bad entry;
            ``'skip'`` drops it, logs each and counts them per reason in
            :attr:`skipped` (see :data:`ERROR_KINDS`).
        check_files (bool): check, while loading, that every video (and SR
            twin) exists and is not empty (one ``stat`` each). Defaults to
            True.
        probe_videos (bool, optional): also open every video (and SR twin)
            while loading, without decoding it
            (:func:`~tiny_action.datasets.transforms.probe_video`: a
            readable container, a video stream, no frame missing from a
            truncated file; about 2 ms a clip). Defaults to None: only with
            ``on_error='skip'`` and ``check_files``, so that unreadable
            videos are skipped and counted at load instead of stopping a
            run later (with ``'raise'`` they fail when decoded, naming the
            file; empty ones already at load).
        **kwargs: passed to :class:`mmaction.datasets.BaseActionDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 class_map: Union[str, Sequence[str], Dict[str, int]],
                 num_classes: Optional[int] = None,
                 data_prefix: dict = dict(video=''),
                 tail_flip: Optional[dict] = None,
                 flip_label_pairs: Optional[Sequence[Sequence[str]]] = None,
                 reverse_label_pairs: Optional[Sequence[Sequence[str]]] = None,
                 irreversible_classes: Optional[Sequence[str]] = None,
                 on_error: str = 'raise',
                 check_files: bool = True,
                 probe_videos: Optional[bool] = None,
                 **kwargs) -> None:
        if on_error not in ('raise', 'skip'):
            raise ValueError('`on_error` should be either "raise" or "skip", '
                             f'but got {on_error!r}')
        self.classes = load_class_map(class_map)
        if num_classes is not None and num_classes != len(self.classes):
            raise ValueError(
                f'class map {class_map!r} has {len(self.classes)} classes but '
                f'num_classes={num_classes} (the head must predict one score '
                'per class of the class map)')
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        source = f'class map {class_map}' if isinstance(
            class_map, str) else 'the class map'
        self.flip_label_pairs = resolve_label_pairs(
            flip_label_pairs, self.classes, source)
        self.reverse_label_pairs = resolve_label_pairs(
            reverse_label_pairs, self.classes, source, 'reverse_label_pairs')
        self.irreversible_classes = resolve_classes(
            irreversible_classes, self.classes, source)
        both = set(self.irreversible_classes) & {
            i for pair in self.reverse_label_pairs for i in pair}
        if both:
            raise ValueError(
                f'{sorted(self.classes[i] for i in both)} are both in '
                '`reverse_label_pairs` and in `irreversible_classes`: a '
                'class reads backwards as its pair or not at all')
        self.tail_flip_cfg = self._check_tail_flip(tail_flip)
        self.on_error = on_error
        self.check_files = check_files
        self.probe_videos = (on_error == 'skip' and check_files
                             if probe_videos is None else probe_videos)
        self.skipped: Dict[str, List[str]] = {k: [] for k in ERROR_KINDS}
        self.empty_label: List[str] = []
        self.has_label = True
        self.class_counts = np.zeros(len(self.classes), dtype=np.int64)
        self.num_original = 0
        super().__init__(
            ann_file,
            pipeline=pipeline,
            data_prefix=data_prefix,
            num_classes=len(self.classes),
            metainfo=dict(classes=tuple(self.classes)),
            **kwargs)

    # ------------------------------------------------------------ loading
    @staticmethod
    def _check_tail_flip(cfg: Optional[dict]) -> Optional[dict]:
        if cfg is None:
            return None
        cfg = dict(cfg)
        rules = [k for k in ('classes', 'max_count', 'fraction') if k in cfg]
        if len(rules) != 1:
            raise ValueError('`tail_flip` needs exactly one of "classes", '
                             f'"max_count" or "fraction", but got {cfg}')
        unknown = set(cfg) - {'classes', 'max_count', 'fraction', 'copies'}
        if unknown:
            raise ValueError(f'`tail_flip` got unknown keys {sorted(unknown)}')
        copies = cfg.setdefault('copies', 1)
        if not isinstance(copies, int) or copies < 1:
            raise ValueError('`tail_flip.copies` should be an int >= 1, '
                             f'but got {copies!r}')
        return cfg

    def _reject(self, kind: str, where: str, message: str) -> None:
        if self.on_error == 'raise':
            raise AnnotationError(f'{self.ann_file}: {where}: {message}')
        self.skipped[kind].append(f'{where}: {message}')

    def load_data_list(self) -> List[dict]:
        """Parse the annotation file into per-sample dicts (see class doc)."""
        entries = read_annotation_entries(self.ann_file)
        if not entries:
            raise AnnotationError(
                f'{self.ann_file}: the annotation list is empty; expected '
                'at least one entry')
        labelled = [isinstance(e, dict) and 'label' in e for e in entries]
        self.has_label = any(labelled)
        video_root = self.data_prefix.get('video', '')
        sr_root = self.data_prefix.get('sr')
        seen = set()
        data_list = []
        for i, entry in enumerate(entries):
            info = self._parse_entry(i, entry, video_root, sr_root, seen)
            if info is not None:
                data_list.append(info)
        self._log_skipped()
        self._log_empty_labels()
        for info in data_list:
            self.class_counts[info['label_idx']] += 1
        self.num_original = len(data_list)
        if self.tail_flip_cfg is not None and not self.test_mode:
            data_list += self._tail_copies(data_list)
        return data_list

    def _parse_entry(self, i: int, entry, video_root: str,
                     sr_root: Optional[str], seen: set) -> Optional[dict]:
        if not isinstance(entry, dict) or not isinstance(
                entry.get('path'), str):
            self._reject('malformed', f'entry {i}',
                         f'expected an object with a "path" string, got '
                         f'{str(entry)[:80]}')
            return None
        clip_id = str(entry.get('id', i))
        where = f'entry {i} (id {clip_id!r}, path {entry["path"]!r})'
        if clip_id in seen:
            self._reject('duplicate_id', where, f'duplicate id {clip_id!r}')
            return None
        if self.has_label and 'label' not in entry:
            self._reject('malformed', where,
                         'has no "label" while other entries do')
            return None
        names = self._label_names(entry, where)
        if names is None:
            return None
        unknown = [n for n in names if n not in self.class_to_idx]
        if unknown:
            self._reject(
                'unknown_label', where,
                f'unknown label(s) {unknown}; the class map has '
                f'{len(self.classes)} classes: {list(self.classes)}')
            return None
        filename = osp.join(video_root, entry['path'])
        if not self._video_ok(filename, where, 'video'):
            return None
        info = dict(
            filename=filename,
            id=clip_id,
            video_id=entry.get('video_id'),
            clip_id=entry.get('clip_id'),
            dim=entry.get('dim'),
            label_idx=sorted({self.class_to_idx[n] for n in names}),
            tail_flip=False)
        if sr_root is not None:
            info['sr_filename'] = osp.join(sr_root, entry['path'])
            if not self._video_ok(info['sr_filename'], where, 'sr'):
                return None
        if self.has_label and not names:
            self.empty_label.append(where)
        seen.add(clip_id)
        return info

    def _label_names(self, entry: dict, where: str) -> Optional[List[str]]:
        """The entry's label names (``[]`` when it has none), or None after
        rejecting a label that is not a name or a list of names."""
        names = entry.get('label', [])
        if isinstance(names, str):
            names = [names]
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return names
        hint = ('; to mark unlabeled entries, leave "label" out of every '
                'entry' if names is None else '')
        self._reject('malformed', where,
                     '"label" should be a list of class names (or one name), '
                     f'got {json.dumps(names)[:80]}{hint}')
        return None

    def _video_ok(self, filename: str, where: str, kind: str) -> bool:
        """Check a video (``kind`` ``'video'``) or SR twin (``'sr'``) as
        ``check_files`` and ``probe_videos`` ask; False after rejecting it."""
        what = 'video file' if kind == 'video' else \
            'super-resolved counterpart'
        try:
            if self.probe_videos:
                probe_video(filename)
            elif self.check_files:
                check_video_file(filename)
        except FileNotFoundError:
            self._reject(f'missing_{kind}', where,
                         f'{what} {filename} does not exist')
            return False
        except (OSError, ValueError) as e:
            self._reject(f'unreadable_{kind}', where, str(e))
            return False
        return True

    def _log_skipped(self) -> None:
        total = sum(map(len, self.skipped.values()))
        if not total:
            return
        logger = MMLogger.get_current_instance()
        counts = ', '.join(f'{k}: {len(v)}' for k, v in self.skipped.items()
                           if v)
        logger.warning(f'{self.ann_file}: skipped {total} entries '
                       f'(on_error="skip") -- {counts}')
        for kind, items in self.skipped.items():
            for item in items:
                logger.warning(f'skipped [{kind}] {item}')

    def _log_empty_labels(self) -> None:
        if not self.empty_label:
            return
        MMLogger.get_current_instance().warning(
            f'{self.ann_file}: {len(self.empty_label)} entries have an '
            'empty label list and are used as all-negative samples (no '
            f'action), e.g. {self.empty_label[0]}')

    def filter_data(self) -> List[dict]:
        """All loaded samples; refuses an empty dataset (mmengine would
        fail later with "need at least one array to concatenate").

        Raises:
            AnnotationError: every entry was skipped (``on_error='skip'``).
        """
        if not self.data_list:
            total = sum(map(len, self.skipped.values()))
            counts = {k: len(v) for k, v in self.skipped.items() if v}
            raise AnnotationError(
                f'{self.ann_file}: no usable entry: all {total} entries were '
                f'skipped (on_error="skip"): {counts}')
        return super().filter_data()

    # ------------------------------------------------------ class stats
    def tail_classes(self,
                     classes: Optional[Sequence[str]] = None,
                     max_count: Optional[int] = None,
                     fraction: Optional[float] = None) -> List[int]:
        """Indices of the tail classes, named by exactly one rule.

        Args:
            classes: explicit class names.
            max_count: classes with at most this many (original) samples.
            fraction: the rarest ``fraction`` of classes (0 < f <= 1), by
                sample count, ties broken by class index.
        """
        if sum(x is not None for x in (classes, max_count, fraction)) != 1:
            raise ValueError('give exactly one of classes, max_count or '
                             'fraction')
        if classes is not None:
            unknown = [c for c in classes if c not in self.class_to_idx]
            if unknown:
                raise ValueError(f'tail classes {unknown} are not in the '
                                 f'class map {list(self.classes)}')
            return sorted(self.class_to_idx[c] for c in classes)
        if max_count is not None:
            return [
                i for i, n in enumerate(self.class_counts) if n <= max_count
            ]
        if not 0 < fraction <= 1:
            raise ValueError(f'fraction should be in (0, 1], got {fraction}')
        k = max(1, int(round(fraction * len(self.classes))))
        order = np.argsort(self.class_counts, kind='stable')
        return sorted(int(i) for i in order[:k])

    def _tail_copies(self, data_list: List[dict]) -> List[dict]:
        cfg = dict(self.tail_flip_cfg)
        copies = cfg.pop('copies')
        tail = set(self.tail_classes(**cfg))
        originals = [d for d in data_list if tail & set(d['label_idx'])]
        extra = [
            dict(d, tail_flip=True) for _ in range(copies) for d in originals
        ]
        self.tail_class_indices = sorted(tail)
        MMLogger.get_current_instance().info(
            f'TailFlipBalance: {len(tail)} tail classes '
            f'{[self.classes[i] for i in sorted(tail)]}; epoch grows from '
            f'{len(data_list)} to {len(data_list) + len(extra)} samples '
            f'({len(originals)} tail samples x {copies} flipped copies)')
        return extra

    def get_data_info(self, idx: int) -> dict:
        """Sample ``idx`` with its multi-hot ``label`` (``np.float32``)."""
        info = super().get_data_info(idx)
        label = np.zeros(len(self.classes), dtype=np.float32)
        label[info['label_idx']] = 1.0
        info['label'] = label
        info['label_names'] = [self.classes[i] for i in info['label_idx']]
        info['flip_label_pairs'] = list(self.flip_label_pairs)
        info['reverse_label_pairs'] = list(self.reverse_label_pairs)
        info['irreversible_classes'] = list(self.irreversible_classes)
        return info
