"""Super-resolve a whole (low-resolution) video dataset into its twin.

For every clip of an annotation file (TinyVIRAT v2 list or v1 ``tubes``),
``<lr_root>/<path>`` is decoded (PyAV, every frame), super-resolved by
RealBasicVSR or a trained DVSR (``model``;
:class:`~tiny_action.tools.super_resolution.batcher.SRBatcher`) and written to
``<out_root>/<path>`` (H.264, same frame count and frame rate) with
``write_video_atomic`` (temporary file + rename). A manifest records every
clip (:mod:`tiny_action.tools.super_resolution.manifest`).

Sharding: clip ``i`` (annotation order, duplicates removed) belongs to rank
``i % world_size``; ranks never share a clip. Resuming: a clip is skipped
when the manifest says it is done with the same settings and its output
exists; leftover temporary files of this rank's clips are removed first.
"""
import functools
import json
import os
import os.path as osp
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from tiny_action.datasets import AnnotationError, read_annotation_entries
from tiny_action.datasets.transforms import TinyVideoReader
from tiny_action.utils.dist import shard_indices
from tiny_action.utils.video_io import X264_PARAMS, write_video_atomic

from .batcher import SRBatcher
from .dvsr import dvsr_forward, load_dvsr_generator
from .manifest import (ManifestLog, latest_records, merge_manifest,
                       read_records, settings_hash)
from .realbasicvsr import (OFFICIAL_CHECKPOINT_URL, CheckpointError,
                           build_realbasicvsr_net, check_arch,
                           load_realbasicvsr_checkpoint)
from .temporal import plan_windows

__all__ = [
    'ClipError', 'SuperResolveRunner', 'read_clip_paths', 'shard_indices'
]

#: name of the manifest written under the output root by default
MANIFEST_NAME = 'sr_manifest.json'
#: clips decoded ahead of the net
PREFETCH = 4
#: finished writes kept queued before the run waits for the oldest
MAX_QUEUED_WRITES = 4

#: the generators the tool can run
MODEL_KINDS = ('realbasicvsr', 'dvsr')


class ClipError(RuntimeError):
    """A clip could not be read or written (``on_error='raise'``)."""


@dataclass
class _Run:
    """What the steps of one :meth:`SuperResolveRunner.run` share: the
    manifest log, the summary, the progress bar, the reader / writer
    threads, the pending decodes ``(clip index, future)``, the metadata of
    clips in flight and the queued writes ``(clip index, future)``."""
    log: ManifestLog
    summary: dict
    bar: Optional[Any]
    reader: ThreadPoolExecutor
    writer: ThreadPoolExecutor
    pending: List[Tuple[int, Future]] = field(default_factory=list)
    meta: Dict[int, dict] = field(default_factory=dict)
    writes: List[Tuple[int, Future]] = field(default_factory=list)


def read_clip_paths(ann_file: str) -> List[str]:
    """Relative video paths of an annotation file, in order, each once.

    Accepts the TinyVIRAT v2 JSON list (entries with ``path``) and the v1
    ``{"tubes": [...]}`` form; labels are not needed (the unlabeled test
    split works too).

    Raises:
        AnnotationError: the file is unreadable, not in either form, an entry
            has no ``path`` string, or a path is absolute or leaves the root.
    """
    content = read_annotation_entries(ann_file)
    paths, seen = [], set()
    for i, entry in enumerate(content):
        path = entry.get('path') if isinstance(entry, dict) else None
        if not isinstance(path, str) or not path:
            raise AnnotationError(f'{ann_file}: entry {i} has no "path" '
                                  f'string: {str(entry)[:80]}')
        norm = osp.normpath(path)
        if osp.isabs(norm) or norm == '..' or norm.startswith('..' + os.sep):
            raise AnnotationError(
                f'{ann_file}: entry {i}: path {path!r} is not relative to '
                'the video root')
        if norm not in seen:
            seen.add(norm)
            paths.append(norm)
    if not paths:
        raise AnnotationError(f'{ann_file} lists no clip')
    return paths


def _decode(path: str) -> Tuple[np.ndarray, Optional[float]]:
    reader = TinyVideoReader(path)
    return reader.get_batch(np.arange(len(reader))), reader.avg_fps


def _remove_stale_temps(paths: Sequence[str]) -> int:
    """Delete ``write_video_atomic`` leftovers (``.<name>.*.part``) of these
    output files; a kill can leave them. Returns how many."""
    by_dir: Dict[str, set] = {}
    for p in paths:
        by_dir.setdefault(osp.dirname(p), set()).add(osp.basename(p))
    removed = 0
    for folder, names in by_dir.items():
        if not osp.isdir(folder):
            continue
        for entry in os.listdir(folder):
            if not (entry.startswith('.') and entry.endswith('.part')):
                continue
            name = entry[1:].rsplit('.', 2)[0]  # .<name>.<random>.part
            if name in names:
                os.remove(osp.join(folder, entry))
                removed += 1
    return removed


def _check_model_args(model: str, checkpoint: Optional[str],
                      config: Optional[str], arch: Optional[dict]) -> None:
    """Clear errors for a missing checkpoint / config of either model."""
    if model not in MODEL_KINDS:
        raise ValueError(f'`model` should be one of {MODEL_KINDS}, but got '
                         f'{model!r}')
    if model == 'dvsr':
        if arch:
            raise ValueError('`arch` options are RealBasicVSR\'s; a DVSR is '
                             'built from its training config')
        if not config:
            raise ValueError('a DVSR needs its training config (--config '
                             'configs/dvsr/...) to be built')
        what = 'a DVSR checkpoint (written by tools/train.py)'
        if not checkpoint or not osp.isfile(checkpoint):
            raise CheckpointError(f'{what} is required; {checkpoint!r} does '
                                  'not exist')
        return
    if not checkpoint:
        raise CheckpointError(
            'a RealBasicVSR checkpoint is required (--checkpoint PATH); '
            'nothing is downloaded automatically. The official weights '
            f'(mmagic model zoo): {OFFICIAL_CHECKPOINT_URL}')
    if not osp.isfile(checkpoint):
        raise CheckpointError(
            f'RealBasicVSR checkpoint {checkpoint} does not exist. The '
            f'official weights (mmagic model zoo): '
            f'{OFFICIAL_CHECKPOINT_URL}')


class SuperResolveRunner:
    """Super-resolve the clips of ``ann_file`` under ``lr_root`` into
    ``out_root`` (this rank's share).

    Args:
        ann_file (str): Annotation JSON (TinyVIRAT v2 list or v1 tubes).
        lr_root (str): Root of the input videos (``path`` is relative to it).
        out_root (str): Root of the outputs; must differ from ``lr_root``.
        checkpoint (str): RealBasicVSR checkpoint (full mmagic checkpoint or
            bare ``RealBasicVSRNet`` state dict), or with ``model='dvsr'`` a
            ``tools/train.py`` checkpoint of a ``configs/dvsr/`` config.
        arch (dict, optional): ``RealBasicVSRNet`` options overriding the
            official config's (:data:`~tiny_action.tools.super_resolution.OFFICIAL_ARCH`).
            RealBasicVSR only.
        generator_key (str): ``auto`` / ``generator_ema`` / ``generator`` /
            ``bare``. Defaults to ``'auto'``.
        out_size (tuple[int, int], optional): Output ``(H, W)``; None keeps
            the x4 size. Defaults to ``(224, 224)`` (the paper's).
        max_frames (int, optional): Longest window fed to the net. Defaults
            to 32.
        overlap (int): Frames shared by neighbouring windows. Defaults to 4.
        batch_size (int, optional): Most windows per forward. Defaults to
            None: 8 on CUDA, 1 on CPU (on CPU the time goes into large
            convolutions, mostly SPyNet's 7x7 ones at >= 32x32, that batching
            does not make cheaper; measured here, batches of 4-8 windows ran
            10-25% slower than one at a time).
        max_batch_pixels (int): Most input pixels per forward. Defaults to
            ``2 ** 20``.
        lookahead (int): Clips held while waiting for same-size batch mates.
            Defaults to 64.
        device (str): ``auto`` (``cuda:<LOCAL_RANK>`` when CUDA is
            available, else ``cpu``), ``cpu``, ``cuda`` or ``cuda:N``.
        rank (int): This process's rank. Defaults to 0.
        world_size (int): Number of ranks. Defaults to 1.
        on_error (str): ``raise`` (default) stops at the first bad clip with
            an error naming it; ``skip`` records it as failed and continues.
        crf (int): libx264 quality (0-51, lower is better). Defaults to 18.
        manifest (str, optional): Merged manifest path. Defaults to
            ``<out_root>/sr_manifest.json``.
        overwrite (bool): Redo clips recorded with other settings instead of
            refusing to mix them. Defaults to False.
        progress (bool): Show a progress bar (rank 0). Defaults to True.
        model (str): ``'realbasicvsr'`` (default) or ``'dvsr'``.
        config (str, optional): The DVSR's training config (``model='dvsr'``
            only, required there).
        in_size (int, optional): Frame size the DVSR was trained on; None
            reads ``dvsr_input_size`` from ``config``.

    With ``model='dvsr'`` the windows are exactly the DVSR's ``in_frames``
    (``max_frames`` must be None or equal to it), shorter clips padded.
    """

    def __init__(self,
                 ann_file: str,
                 lr_root: str,
                 out_root: str,
                 checkpoint: Optional[str],
                 arch: Optional[dict] = None,
                 generator_key: str = 'auto',
                 out_size: Optional[Tuple[int, int]] = (224, 224),
                 max_frames: Optional[int] = 32,
                 overlap: int = 4,
                 batch_size: Optional[int] = None,
                 max_batch_pixels: int = 1 << 20,
                 lookahead: int = 64,
                 device: str = 'auto',
                 rank: int = 0,
                 world_size: int = 1,
                 on_error: str = 'raise',
                 crf: int = 18,
                 manifest: Optional[str] = None,
                 overwrite: bool = False,
                 progress: bool = True,
                 model: str = 'realbasicvsr',
                 config: Optional[str] = None,
                 in_size: Optional[int] = None) -> None:
        if on_error not in ('raise', 'skip'):
            raise ValueError('`on_error` should be either "raise" or "skip", '
                             f'but got {on_error!r}')
        _check_model_args(model, checkpoint, config, arch)
        if out_size is not None and any(s % 2 for s in out_size):
            raise ValueError('`out_size` should be even (H.264 yuv420p), but '
                             f'got {tuple(out_size)}')
        if not isinstance(crf, int) or not 0 <= crf <= 51:
            raise ValueError(f'`crf` should be an int in [0, 51], got {crf!r}')
        if not osp.isdir(lr_root):
            raise FileNotFoundError(f'LR root {lr_root} is not a directory')
        if osp.realpath(lr_root) == osp.realpath(out_root):
            raise ValueError(f'the output root {out_root} is the input root; '
                             'the inputs would be overwritten')
        self.ann_file = ann_file
        self.lr_root = lr_root
        self.out_root = out_root
        self.checkpoint = checkpoint
        self.model, self.config, self.in_size = model, config, in_size
        self.arch = check_arch(arch) if model == 'realbasicvsr' else {}
        self.generator_key = generator_key
        self.out_size = None if out_size is None else tuple(out_size)
        self.max_frames = max_frames
        self.overlap = overlap
        self.batcher_cfg = dict(batch_size=batch_size,
                                max_batch_pixels=max_batch_pixels,
                                lookahead=lookahead)
        self.device = device
        self.rank, self.world_size = rank, world_size
        self.on_error = on_error
        self.crf = crf
        self.manifest = manifest or osp.join(out_root, MANIFEST_NAME)
        self.overwrite = overwrite
        self.progress = progress
        self.clips = read_clip_paths(ann_file)
        self.indices = shard_indices(len(self.clips), rank, world_size)

    # ------------------------------------------------------------ set-up
    def resolve_device(self) -> torch.device:
        """The device of this rank (see ``device``)."""
        if self.device != 'auto':
            try:
                device = torch.device(self.device)
            except RuntimeError as e:
                raise ValueError(f'unknown device {self.device!r}: {e}')
            if device.type == 'cuda' and not torch.cuda.is_available():
                raise ValueError(f'device {self.device!r} was asked for but '
                                 'CUDA is not available here')
            return device
        if torch.cuda.is_available():
            local = int(os.environ.get('LOCAL_RANK', 0))
            return torch.device('cuda', local % torch.cuda.device_count())
        return torch.device('cpu')

    def _build_realbasicvsr(self) -> dict:
        """The net and its batcher options; returns the settings."""
        net = build_realbasicvsr_net(**self.arch)
        info = load_realbasicvsr_checkpoint(net, self.checkpoint,
                                            self.generator_key)
        self.net = net
        self.sr_functions = {}
        return dict(checkpoint_sha256=info['sha256'],
                    generator=info['source'], arch=self.arch)

    def _build_dvsr(self) -> dict:
        """The DVSR, its forward and window length; returns the settings."""
        net, settings = load_dvsr_generator(self.config, self.checkpoint,
                                            self.in_size)
        if self.max_frames not in (None, net.in_frames):
            raise ValueError(
                f'the DVSR takes windows of exactly {net.in_frames} frames; '
                f'leave max_frames unset (got {self.max_frames})')
        self.max_frames = net.in_frames
        out = settings['in_size'] * net.scale
        self.net = net
        self.sr_functions = dict(
            forward=functools.partial(dvsr_forward,
                                      in_size=settings['in_size']),
            native_size=lambda h, w: (out, out))
        return settings

    def build(self) -> None:
        """Build the net, load the checkpoint, fix the settings."""
        device = self.resolve_device()
        if self.model == 'dvsr':
            settings = self._build_dvsr()
        else:
            settings = self._build_realbasicvsr()
        self.net = self.net.to(device)
        cfg = dict(self.batcher_cfg)
        if cfg['batch_size'] is None:
            cfg['batch_size'] = 8 if device.type == 'cuda' else 1
        self.batcher = SRBatcher(
            self.net, device, out_size=self.out_size,
            max_frames=self.max_frames, overlap=self.overlap,
            **cfg, **self.sr_functions)
        self.settings = dict(
            settings,
            out_size=None if self.out_size is None else list(self.out_size),
            max_frames=self.max_frames, overlap=self.overlap,
            codec='libx264', crf=self.crf, x264_params=X264_PARAMS)
        self.settings_id = settings_hash(self.settings)
        tool = ('DVSR (TinyVIRAT method)' if self.model == 'dvsr' else
                'RealBasicVSR, mmagic')
        self.header = dict(
            tool=f'tiny_action.tools.super_resolution ({tool})',
            ann_file=osp.abspath(self.ann_file),
            lr_root=osp.abspath(self.lr_root),
            out_root=osp.abspath(self.out_root),
            checkpoint=osp.abspath(self.checkpoint), settings=self.settings)

    def _check_previous_settings(self, records: List[dict]) -> None:
        # the latest record of each clip: after an --overwrite run, clips
        # redone with the current settings no longer count as "other"
        other = {r.get('settings')
                 for r in latest_records(records).values()}
        other -= {self.settings_id, None}
        if not other or self.overwrite:
            return
        previous = None
        if osp.isfile(self.manifest):
            try:
                with open(self.manifest) as f:
                    previous = json.load(f).get('settings')
            except (OSError, json.JSONDecodeError):
                pass
        diff = ''
        if isinstance(previous, dict):
            keys = sorted(k for k in set(previous) | set(self.settings)
                          if previous.get(k) != self.settings.get(k))
            diff = ' (' + '; '.join(
                f'{k}: {previous.get(k)!r} -> {self.settings.get(k)!r}'
                for k in keys) + ')'
        raise ClipError(
            f'{self.manifest} records clips made with other settings{diff}. '
            'Use another output root, or --overwrite to redo those clips '
            'with the current settings.')

    # --------------------------------------------------------------- run
    def run(self) -> dict:
        """Process this rank's clips.

        Returns:
            dict: ``rank``, ``world_size``, ``clips`` (this rank's),
            ``done`` (this run), ``skipped`` (done before), ``failed`` (list
            of ``{path, error}``), ``frames`` and ``seconds``.

        Raises:
            ClipError: a bad clip with ``on_error='raise'``, or outputs made
                with other settings (see ``overwrite``).
        """
        if not hasattr(self, 'net'):
            self.build()
        start = time.perf_counter()
        records = read_records(self.manifest)
        self._check_previous_settings(records)
        latest = latest_records(records, self.settings_id)
        todo, skipped = [], 0
        for i in self.indices:
            path = self.clips[i]
            rec = latest.get(path)
            if (rec is not None and rec.get('status') == 'done'
                    and osp.isfile(osp.join(self.out_root, path))):
                skipped += 1
            else:
                todo.append(i)
        _remove_stale_temps([
            osp.join(self.out_root, self.clips[i]) for i in self.indices
        ])
        summary = dict(rank=self.rank, world_size=self.world_size,
                       clips=len(self.indices), done=0, skipped=skipped,
                       failed=[], frames=0, seconds=0.0)
        with ManifestLog(self.manifest, self.rank) as log:
            self._process(todo, log, summary)
        summary['seconds'] = time.perf_counter() - start
        return summary

    def _process(self, todo: List[int], log: ManifestLog,
                 summary: dict) -> None:
        """Decode, super-resolve and write the clips ``todo``: decoding
        (prefetched) and writing run in a thread each, beside the net."""
        bar = None
        if self.progress and self.rank == 0 and todo:
            from mmengine.utils import ProgressBar
            bar = ProgressBar(len(todo), file=sys.stdout)
        with ThreadPoolExecutor(1, 'sr-decode') as reader, \
                ThreadPoolExecutor(1, 'sr-write') as writer:
            run = _Run(log=log, summary=summary, bar=bar, reader=reader,
                       writer=writer)
            try:
                self._super_resolve_all(todo, run)
            except BaseException:
                self._abort(run)
                raise
        if bar is not None:
            sys.stdout.write('\n')

    def _read_future(self, run: '_Run', i: int) -> Future:
        """Start decoding clip ``i`` in the reader thread."""
        return run.reader.submit(_decode,
                                 osp.join(self.lr_root, self.clips[i]))

    def _super_resolve_all(self, todo: List[int], run: '_Run') -> None:
        """Feed every decoded clip to the batcher (``PREFETCH`` decodes
        ahead), hand finished clips to the writer, wait for the writes."""
        run.pending = [(i, self._read_future(run, i))
                       for i in todo[:PREFETCH]]
        upcoming = iter(todo[PREFETCH:])
        while run.pending:
            i, fut = run.pending.pop(0)
            j = next(upcoming, None)
            if j is not None:
                run.pending.append((j, self._read_future(run, j)))
            try:
                frames, fps = fut.result()
            except Exception as e:  # unreadable / empty / no frame
                self._fail(run, i, e, 'read')
                continue
            run.meta[i] = dict(
                fps=fps, in_size=frames.shape[1:3],
                windows=len(plan_windows(len(frames), self.max_frames,
                                         self.overlap)))
            self._submit(run, self.batcher.add(i, frames))
        self._submit(run, self.batcher.flush())
        self._check_writes(run, block=True)

    def _submit(self, run: '_Run', finished) -> None:
        """Queue the writes of ``finished`` ``(clip index, frames)``."""
        for i, frames in finished:
            run.writes.append((i, run.writer.submit(self._write, run, i,
                                                    frames)))
        self._check_writes(run, block=False)

    def _write(self, run: '_Run', i: int, frames: np.ndarray) -> None:
        """Write clip ``i`` (writer thread) and record it as done."""
        info = run.meta.pop(i)
        path = self.clips[i]
        fps = info['fps']
        rate = (Fraction(fps).limit_denominator(1001)
                if fps and fps > 0 else 25)
        write_video_atomic(osp.join(self.out_root, path), frames, fps=rate,
                           crf=self.crf)
        run.log.append(dict(
            path=path, status='done', frames=int(len(frames)),
            in_size=list(info['in_size']),
            out_size=list(frames.shape[1:3]), fps=float(rate),
            windows=info['windows'], rank=self.rank,
            settings=self.settings_id))
        run.summary['done'] += 1
        run.summary['frames'] += int(len(frames))

    def _check_writes(self, run: '_Run', block: bool) -> None:
        """Collect finished writes (all of them with ``block``; at most
        :data:`MAX_QUEUED_WRITES` stay queued); a failed one is a failed
        clip."""
        while run.writes and (block or run.writes[0][1].done()
                              or len(run.writes) > MAX_QUEUED_WRITES):
            i, fut = run.writes.pop(0)
            try:
                fut.result()
            except Exception as e:  # disk full, permissions, ...
                self._fail(run, i, e, 'write')
                continue
            if run.bar is not None:
                run.bar.update()

    def _fail(self, run: '_Run', i: int, err: BaseException,
              stage: str) -> None:
        """Record clip ``i`` as failed at ``stage`` (``read`` / ``write``);
        with ``on_error='raise'`` stop with an error naming the clip."""
        path = self.clips[i]
        message = f'{type(err).__name__}: {err}'
        run.log.append(dict(path=path, status='failed', stage=stage,
                            error=message, rank=self.rank,
                            settings=self.settings_id))
        run.summary['failed'].append(dict(path=path, error=message))
        if run.bar is not None:
            run.bar.update()
        if self.on_error == 'raise':
            root = self.lr_root if stage == 'read' else self.out_root
            raise ClipError(
                f'cannot {stage} clip {path} ({osp.join(root, path)}): '
                f'{message}. Pass --on-error skip to record bad clips '
                'and continue.') from err

    def _abort(self, run: '_Run') -> None:
        """On an error: cancel the decodes, drop the clips in the batcher,
        and let the clips already super-resolved finish writing."""
        for _, fut in run.pending:
            fut.cancel()
        for i in list(run.meta):
            self.batcher.drop(i)
        for _, fut in run.writes:
            try:
                fut.result()
            except Exception:  # its clip is not recorded as done
                pass

    def merge(self) -> dict:
        """Merge all ranks' logs into the manifest; returns it."""
        return merge_manifest(self.manifest, self.clips, self.header,
                              self.settings_id)
