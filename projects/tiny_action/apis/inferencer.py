"""Multi-label inference on new videos with a trained tiny-action model.

mmaction2's ``ActionRecogInferencer`` is single-label (``argmax``
``pred_label``, softmax when averaging views; upstream issue #1813) and
replaces the config's decoding with decord. :class:`TinyActionInferencer`
keeps the config's own test pipeline, so a clip gets exactly the scores
``tools/test.py --dump`` gives it, and turns the sigmoid probabilities into
labels with per-class thresholds and optional group-wise exclusion.
"""
import os.path as osp
import queue
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.infer import BaseInferencer
from mmengine.registry import init_default_scope
from torch import nn
from tqdm import tqdm

from mmaction.registry import TRANSFORMS
from tiny_action.datasets.transforms import TinyVideoInit, TinyVideoReader
from tiny_action.tools.ensemble.groups import load_groups
from tiny_action.tools.ensemble.pipeline import RANK_BY, postprocess
from tiny_action.tools.ensemble.thresholds import load_thresholds
from .inference import class_names, init_recognizer
from .outputs import check_out_file, format_predictions, write_predictions
from .video_inputs import (INPUT_ERRORS, ArrayReader, InferenceInput,
                           InferenceInputError, expand_inputs,
                           iter_video_windows, window_bounds)
from .visualization import (OUT_TYPES, AnnotatedFrames, nearest_window,
                            output_stem, plot_timeline, render_panel,
                            write_annotated)

__all__ = ['TinyActionInferencer', 'frames_results', 'prefetch']


@dataclass
class _Clip:
    """One clip (a whole input or one window) after the test pipeline."""
    index: int
    start: int
    end: int
    packed: Optional[dict]


@dataclass
class _Done:
    """An input is finished (``error`` set when it could not be read)."""
    index: int
    name: str
    num_frames: int = 0
    fps: Optional[float] = None
    error: Optional[str] = None


@dataclass
class _Result:
    """The scores of one input, clip or windows in time order."""
    entry: InferenceInput
    index: int
    num_frames: int
    fps: Optional[float]
    bounds: List[Tuple[int, int]]
    scores: np.ndarray  # (K, C) probabilities
    predicted: np.ndarray  # (K, C) bool
    windowed: bool = False
    extra: Dict = field(default_factory=dict)


def _put(q: queue.Queue, item: Any, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def prefetch(iterable: Iterable, depth: int) -> Iterator:
    """Iterate ``iterable`` in a background thread, up to ``depth`` items
    ahead (decoding overlaps the forward; torch releases the GIL). An
    exception of the iterable is raised here, at its place in the order.
    ``depth=0`` iterates in the calling thread."""
    if depth <= 0:
        yield from iterable
        return
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for x in iterable:
                if not _put(q, (True, x), stop):
                    return
            _put(q, (False, None), stop)
        except BaseException as e:  # handed to the consumer
            _put(q, (False, e), stop)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        while True:
            ok, x = q.get()
            if not ok:
                if x is not None:
                    raise x
                return
            yield x
    finally:
        stop.set()
        thread.join()


def frames_results(name: str, reader: TinyVideoReader) -> dict:
    """The results dict that ``TinyVideoInit`` makes, for frames already
    decoded: what the rest of a test pipeline reads."""
    return dict(filename=name, video_reader=reader, total_frames=len(reader),
                avg_fps=reader.avg_fps, start_index=0, modality='RGB')


class TinyActionInferencer(BaseInferencer):
    """Multi-label inference with a trained recognizer (mmengine
    ``BaseInferencer`` style, as mmaction2's ``ActionRecogInferencer``).

    Every input runs through the config's test pipeline
    (``test_dataloader.dataset.pipeline``) and ``model.test_step``, exactly
    as ``tools/test.py`` runs a test sample, so a clip's probabilities equal
    its ``pred_score`` in a ``--dump``. Labels are ``probability >=
    threshold`` per class, then at most one class per group of mutually
    exclusive classes (the ensemble's post-processing,
    :func:`tiny_action.tools.ensemble.pipeline.postprocess`).

    A distillation config (``DualResolutionRecognizer``) runs its student
    only; the teacher is not built.

    Long videos: with ``window=N`` every input is cut into windows of ``N``
    frames every ``stride`` frames (plus one window ending at the last
    frame), decoded as a stream; each window is a clip of exactly those
    frames for the test pipeline. A video-level result gives each class
    its highest window probability, and the labels of any window.

    Args:
        model (str | Config | dict): Config file or config.
        weights (str, optional): Checkpoint (a recognizer's, a distillation
            checkpoint, or an extracted student). None: random weights, with
            a warning. Defaults to None.
        device (str, optional): Defaults to ``cuda`` when available, else
            ``cpu``.
        thresholds (float | Sequence | Mapping | str): One threshold, one per
            class, ``{class: threshold}`` for every class, or a file (the
            ensemble's ``thresholds.json``). Defaults to 0.5.
        groups (str | Mapping | Sequence, optional): Groups of mutually
            exclusive classes: a groups file, ``'default'`` (TinyVIRAT-v2) or
            their content. Defaults to None (no exclusion).
        rank_by (str): Which predicted class of a group is kept:
            ``'score'`` (paper) or ``'margin'`` (score - threshold).
            Defaults to ``'score'``.
        classes (Sequence[str], optional): Class names; by default from the
            checkpoint, else the config's class map.
        prefetch (int): Batches prepared ahead in a background thread
            (decoding overlaps the forward); 0 decodes in the calling
            thread. Defaults to 2.
        scope (str): Registry scope. Defaults to ``'mmaction'``.
        show_progress (bool): Show a progress bar. Defaults to True.
    """

    def __init__(self,
                 model,
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 thresholds=0.5,
                 groups=None,
                 rank_by: str = 'score',
                 classes=None,
                 prefetch: int = 2,
                 scope: str = 'mmaction',
                 show_progress: bool = True) -> None:
        if rank_by not in RANK_BY:
            raise ValueError(f'`rank_by` should be one of {RANK_BY}, but got '
                             f'{rank_by!r}')
        if not isinstance(prefetch, int) or prefetch < 0:
            raise ValueError('`prefetch` should be an int >= 0, but got '
                             f'{prefetch!r}')
        if isinstance(model, str) and not osp.isfile(model):
            # (BaseInferencer would look the name up in a model zoo)
            raise FileNotFoundError(f'config file {model} does not exist')
        init_default_scope(scope)
        super().__init__(model=model, weights=weights, device=device,
                         scope=scope, show_progress=show_progress)
        self.classes = class_names(self.cfg, self.meta,
                                   self.model.cls_head.num_classes, classes)
        self.thresholds = load_thresholds(thresholds, self.classes)
        self.groups = load_groups(groups, self.classes)
        self.rank_by = rank_by
        self.prefetch = prefetch

    # ------------------------------------------------------------ set-up
    def _init_model(self, cfg: Config, weights: Optional[str],
                    device: str = 'cpu') -> nn.Module:
        model, _, self.meta = init_recognizer(cfg, weights, device)
        return model

    def _init_pipeline(self, cfg: Config) -> Compose:
        """The config's test pipeline, as ``tools/test.py`` builds it."""
        try:
            steps = cfg.test_dataloader.dataset.pipeline
        except AttributeError as e:
            raise ValueError('the config has no test_dataloader.dataset.'
                             'pipeline to run inference with') from e
        self.transforms = [TRANSFORMS.build(t) for t in steps]
        self._after_init = Compose(self.transforms[1:])
        return Compose(self.transforms)

    def _init_visualizer(self, cfg: Config) -> None:
        """Pictures are drawn by :mod:`.visualization` (multi-label)."""
        return None

    def _frame_transforms(self) -> Compose:
        """The test pipeline after its decoder set-up (``TinyVideoInit``),
        for frames that are already decoded (windows, arrays)."""
        if not isinstance(self.transforms[0], TinyVideoInit):
            raise ValueError(
                'windows and frame arrays need a test pipeline that starts '
                'with TinyVideoInit, but it starts with '
                f'{type(self.transforms[0]).__name__}')
        return self._after_init

    # -------------------------------------------------------- the clips
    def _transform_file(self, path: str) -> Tuple[dict, int, float]:
        results = dict(filename=path, start_index=0, modality='RGB')
        results = self.transforms[0](results)
        total, fps = results['total_frames'], results.get('avg_fps')
        return self._after_init(results), total, fps

    def _transform_frames(self, name: str, reader: TinyVideoReader) -> dict:
        return self._frame_transforms()(frames_results(name, reader))

    def _clips_of(self, entry: InferenceInput, window: Optional[int],
                  stride: int, info: dict) -> Iterator[Tuple[int, int, dict]]:
        if entry.error is not None:
            raise InferenceInputError(entry.name, entry.error)
        if isinstance(entry.source, np.ndarray):
            frames = entry.source
            info.update(num_frames=len(frames), fps=None)
            bounds = (window_bounds(len(frames), window, stride)
                      if window else [(0, len(frames))])
            for s, e in bounds:
                yield s, e, self._transform_frames(
                    entry.name, ArrayReader(entry.name, frames[s:e]))
        elif window:
            threads = self.transforms[0].num_threads
            for s, e, reader in iter_video_windows(entry.source, window,
                                                   stride, threads):
                info.update(num_frames=e, fps=reader.avg_fps)
                yield s, e, self._transform_frames(entry.name, reader)
        else:
            packed, total, fps = self._transform_file(entry.source)
            info.update(num_frames=total, fps=fps)
            yield 0, total, packed

    def _clip_stream(self, entries: List[InferenceInput],
                     window: Optional[int], stride: int,
                     on_error: str) -> Iterator:
        for i, entry in enumerate(entries):
            info: dict = {}
            try:
                for s, e, packed in self._clips_of(entry, window, stride,
                                                   info):
                    yield _Clip(i, s, e, packed)
            except INPUT_ERRORS as e:
                if on_error == 'raise':
                    if isinstance(e, InferenceInputError):
                        raise
                    raise InferenceInputError(entry.name, str(e)) from e
                reason = (e.reason if isinstance(e, InferenceInputError)
                          else str(e))
                yield _Done(i, entry.name, error=reason)
                continue
            yield _Done(i, entry.name, **info)

    def preprocess(self, entries: List[InferenceInput], batch_size: int = 1,
                   window: Optional[int] = None, stride: int = 1,
                   on_error: str = 'raise') -> Iterator:
        """Batches ``(clips, data, events)``: up to ``batch_size`` clips
        (from one or several inputs), their collated test data (None when
        there is no clip), and the inputs finished before the batch was
        full."""
        clips, events = [], []
        for x in self._clip_stream(entries, window, stride, on_error):
            if isinstance(x, _Done):
                events.append(x)
                continue
            clips.append(x)
            if len(clips) == batch_size:
                yield clips, self._collate(clips), events
                clips, events = [], []
        if clips or events:
            yield clips, self._collate(clips) if clips else None, events

    def _collate(self, clips: List[_Clip]) -> dict:
        data = self.collate_fn([c.packed for c in clips])
        for c in clips:
            c.packed = None
        return data

    # --------------------------------------------------------------- run
    @staticmethod
    def _check_call(batch_size: int, window: Optional[int],
                    stride: Optional[int], on_error: str,
                    out_type: str) -> int:
        for name, value in (('batch_size', batch_size), ('window', window),
                            ('stride', stride)):
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, int)
                                      or value < 1):
                raise ValueError(f'`{name}` should be an int >= 1, but got '
                                 f'{value!r}')
        if stride is not None and window is None:
            raise ValueError('`stride` needs `window`')
        if on_error not in ('raise', 'skip'):
            raise ValueError('`on_error` should be either "raise" or "skip", '
                             f'but got {on_error!r}')
        if out_type not in OUT_TYPES:
            raise ValueError('`out_type` should be one of '
                             f'{tuple(OUT_TYPES)}, but got {out_type!r}')
        return stride or window or 1

    def _run(self, entries: List[InferenceInput], batch_size: int,
             window: Optional[int], stride: int, on_error: str):
        scores: Dict[int, list] = defaultdict(list)
        done: Dict[int, _Done] = {}
        bar = tqdm(total=len(entries), unit='video', desc='Inference',
                   disable=not self.show_progress, dynamic_ncols=True)
        batches = prefetch(
            self.preprocess(entries, batch_size, window, stride, on_error),
            self.prefetch)
        with bar:
            for clips, data, events in batches:
                if clips:
                    for c, sample in zip(clips, self.forward(data)):
                        scores[c.index].append(
                            (c.start, c.end,
                             sample.pred_score.float().cpu().numpy()))
                for ev in events:
                    done[ev.index] = ev
                bar.update(len(events))
        return scores, done

    def __call__(self,
                 inputs,
                 batch_size: int = 1,
                 window: Optional[int] = None,
                 stride: Optional[int] = None,
                 on_error: str = 'raise',
                 vid_out_dir: str = '',
                 out_type: str = 'video',
                 vis_height: int = 256,
                 pred_out_file: str = '',
                 print_result: bool = False) -> Dict:
        """Run inference.

        Args:
            inputs (str | np.ndarray | list): Video files, folders of videos
                (searched recursively) and ``(T, H, W, 3)`` uint8 RGB arrays.
            batch_size (int): Clips per forward. Defaults to 1.
            window (int, optional): Cut every input into windows of this
                many frames. Defaults to None (whole clips).
            stride (int, optional): Frames between window starts. Defaults
                to ``window``.
            on_error (str): ``'raise'``: a bad input (missing, corrupt, no
                frame) raises :class:`InferenceInputError` naming it;
                ``'skip'``: it is listed in ``skipped`` and counted, the
                others are processed. Defaults to ``'raise'``.
            vid_out_dir (str): When set, write per input an annotated video,
                a still (PNG) and, for a windowed input, a timeline (PNG).
            out_type (str): ``'video'`` (MP4) or ``'gif'``. Defaults to
                ``'video'``.
            vis_height (int): Height of the annotated frames. Defaults to
                256.
            pred_out_file (str): When set, write the result there (``.json`` or
                ``.csv``, atomically).
            print_result (bool): Print a summary. Defaults to False.

        Returns:
            dict: ``classes``, ``thresholds``, ``groups``, ``window``,
            ``stride``, ``predictions`` (per input: ``input``,
            ``num_frames``, ``fps``, ``scores`` ``{class: probability}``,
            ``labels``, and ``windows`` with ``start``, ``end`` (frames,
            end excluded), ``scores``, ``labels`` when windowed),
            ``skipped`` (``input``, ``error``), ``num_skipped`` and
            ``visualization`` (files written).
        """
        stride = self._check_call(batch_size, window, stride, on_error,
                                  out_type)
        if pred_out_file:
            check_out_file(pred_out_file)
        if window is not None:
            self._frame_transforms()
        entries = expand_inputs(inputs)
        scores, done = self._run(entries, batch_size, window, stride,
                                 on_error)
        results = self._results(entries, scores, done, window is not None)
        vis = (self.visualize(results, vid_out_dir, out_type, vis_height)
               if vid_out_dir else [])
        return self.postprocess(results, done, window, stride, vis,
                                pred_out_file,
                                print_result)

    # ------------------------------------------------------------ output
    def _results(self, entries: List[InferenceInput], scores: Dict,
                 done: Dict[int, _Done], windowed: bool) -> List[_Result]:
        out = []
        for i, entry in enumerate(entries):
            if done[i].error is not None:
                continue
            clips = sorted(scores[i], key=lambda c: c[0])
            probs = np.stack([c[2] for c in clips])
            out.append(_Result(
                entry=entry, index=i, num_frames=done[i].num_frames,
                fps=done[i].fps, bounds=[(c[0], c[1]) for c in clips],
                scores=probs, windowed=windowed,
                predicted=postprocess(probs, self.thresholds, self.groups,
                                      self.rank_by)))
        return out

    def _named(self, probs: np.ndarray) -> Dict[str, float]:
        return {c: float(p) for c, p in zip(self.classes, probs)}

    def _labels(self, predicted: np.ndarray) -> List[str]:
        return [c for c, on in zip(self.classes, predicted) if on]

    def _to_dict(self, r: _Result) -> Dict:
        pred = dict(input=r.entry.name, num_frames=int(r.num_frames),
                    fps=r.fps)
        if not r.windowed:
            pred.update(scores=self._named(r.scores[0]),
                        labels=self._labels(r.predicted[0]))
            return pred
        pred.update(scores=self._named(r.scores.max(axis=0)),
                    labels=self._labels(r.predicted.any(axis=0)))
        pred['windows'] = [
            dict(start=int(s), end=int(e), scores=self._named(p),
                 labels=self._labels(k))
            for (s, e), p, k in zip(r.bounds, r.scores, r.predicted)
        ]
        return pred

    def postprocess(self, results: List[_Result], done: Dict[int, _Done],
                    window: Optional[int], stride: int, visualization: list,
                    pred_out_file: str = '',
                    print_result: bool = False) -> Dict:
        """The result dict (see :meth:`__call__`); written to
        ``pred_out_file``
        and printed when asked."""
        skipped = [dict(input=d.name, error=d.error)
                   for d in sorted(done.values(), key=lambda d: d.index)
                   if d.error is not None]
        out = dict(
            classes=list(self.classes),
            thresholds=[float(t) for t in self.thresholds],
            groups={k: [self.classes[i] for i in v]
                    for k, v in self.groups.items()},
            window=window,
            stride=stride if window else None,
            predictions=[self._to_dict(r) for r in results],
            skipped=skipped,
            num_skipped=len(skipped),
            visualization=visualization)
        if pred_out_file:
            write_predictions(pred_out_file, out)
        if print_result:
            print(format_predictions(out))
        return out

    def visualize(self, results: List[_Result], vid_out_dir: str,
                  out_type: str = 'video',
                  vis_height: int = 256) -> List[str]:
        """Write per input ``<vid_out_dir>/<name>.mp4`` (or ``.gif``): the
        frames upscaled to ``vis_height`` with the probabilities and labels
        beside them (of the nearest window for a windowed input), its
        middle frame as ``<name>.png``, and for a windowed input of several
        windows ``<name>_timeline.png``. Returns the files written."""
        written, used = [], set()
        height = max(2, vis_height // 2 * 2)
        for r in results:
            stem = output_stem(vid_out_dir, r.entry.name, r.index)
            if stem in used:
                stem = f'{stem}_{r.index}'
            used.add(stem)
            written += self._visualize_one(r, stem, out_type, height)
        return written

    def _visualize_one(self, r: _Result, stem: str, out_type: str,
                       height: int) -> List[str]:
        if isinstance(r.entry.source, np.ndarray):
            reader = ArrayReader(r.entry.name, r.entry.source)
        else:
            reader = TinyVideoReader(r.entry.source)
        name = osp.basename(r.entry.name)[-28:]
        panels = [
            render_panel(self.classes, p, k, self.thresholds,
                         f'{name} [{s}-{e})' if r.windowed else name, height)
            for (s, e), p, k in zip(r.bounds, r.scores, r.predicted)
        ]
        which = nearest_window(r.bounds)
        frames = AnnotatedFrames(lambda i: reader.get_batch([i])[0],
                                 len(reader), lambda i: panels[which(i)],
                                 height)
        written = [write_annotated(stem, frames, r.fps, out_type),
                   f'{stem}.png']
        if r.windowed and len(r.bounds) > 1:
            written.append(plot_timeline(
                f'{stem}_timeline.png', self.classes,
                [dict(start=s, end=e, scores=p, predicted=k)
                 for (s, e), p, k in zip(r.bounds, r.scores, r.predicted)],
                self.thresholds, r.fps, f'{name}: class probabilities per '
                'window'))
        return written
