"""The 3 cross-validation folds inside the real proxy's train split, by
source video, and what is measured on them: the reference baseline's
held-out scores, a candidate's fold runs (trained with the stock
``tools/train.py`` through :class:`proxy_runs.ProxyRuns`, tested with
``tools/test.py``), held-out accuracy by clip size and by camera noise,
and recall by class.
"""

import json
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from proxy_candidates import candidate_config, candidate_name
from proxy_runs import (ProxyRuns, epoch_checkpoints, last_checkpoint,
                        val_history)
from tiny_action.datasets.annotations import read_annotation_entries
from tiny_action.utils.fileio import atomic_write_bytes

FOLDS = 3


def clips_by_video(entries: List[dict], source: str) -> Dict[str, List[int]]:
    """Entry indices of each source video (``video_id``), videos in the
    order they first appear.

    Raises:
        ValueError: An entry of ``source`` (named in the message) has no
            ``video_id``.
    """
    by_video = defaultdict(list)
    for i, entry in enumerate(entries):
        if not entry.get('video_id'):
            raise ValueError(f'{source}: entry {i} (id {entry.get("id")!r}) '
                             'has no "video_id": clips are grouped by source '
                             'video')
        by_video[entry['video_id']].append(i)
    return dict(by_video)


def group_folds(entries: List[dict], folds: int = FOLDS,
                source: str = 'train annotations') -> List[List[int]]:
    """Entry indices of ``folds`` folds of whole source videos
    (``video_id``), the largest videos first into the fold with the fewest
    clips, so the folds have about the same size.

    Raises:
        ValueError: An entry has no ``video_id``.
    """
    by_video = clips_by_video(entries, source)
    return _fill_folds(by_video, sorted(
        by_video, key=lambda v: (-len(by_video[v]), v)), folds)


def shuffled_folds(entries: List[dict], seed: int, folds: int = FOLDS,
                   source: str = 'train annotations') -> List[List[int]]:
    """Another partition into ``folds`` folds of whole source videos: the
    videos (sorted by ``video_id``) in an order shuffled with ``seed``,
    each into the fold with the fewest clips so far. Different seeds give
    different partitions of about the same fold sizes; the same seed, the
    same partition.

    Raises:
        ValueError: An entry has no ``video_id``.
    """
    by_video = clips_by_video(entries, source)
    videos = sorted(by_video)
    order = np.random.default_rng(seed).permutation(len(videos))
    return _fill_folds(by_video, [videos[j] for j in order], folds)


def _fill_folds(by_video: Dict[str, List[int]], videos: List[str],
                folds: int) -> List[List[int]]:
    """The clips of ``videos``, taken in that order, each video into the
    fold with the fewest clips so far (the lowest index on ties); each
    fold's entry indices sorted."""
    parts = [[] for _ in range(folds)]
    for video in videos:
        smallest = min(range(folds), key=lambda k: (len(parts[k]), k))
        parts[smallest] += by_video[video]
    return [sorted(p) for p in parts]


def write_folds(entries: List[dict], parts: List[List[int]],
                out_dir: str) -> List[Tuple[str, str]]:
    """``(fit, held_out)`` annotation files of every fold (paths relative
    to the same ``lr/`` folder as the train annotation)."""
    files = []
    for k, held in enumerate(parts):
        held_set = set(held)
        fit = [e for i, e in enumerate(entries) if i not in held_set]
        pair = []
        for part, rows in (('fit', fit), ('held', [entries[i] for i in held])):
            path = osp.join(out_dir, f'fold{k}_{part}.json')
            atomic_write_bytes(path, json.dumps(rows).encode('utf-8'))
            pair.append(path)
        files.append(tuple(pair))
    return files


def train_folds(data: str, work_dir: str
                ) -> Tuple[List[List[int]], List[Tuple[str, str]]]:
    """The folds of the train split (:func:`group_folds`) and their
    ``(fit, held_out)`` annotation files under ``<work_dir>/folds``."""
    ann_file = osp.join(data, 'train', 'annotations.json')
    entries = read_annotation_entries(ann_file)
    parts = group_folds(entries, source=ann_file)
    return parts, write_folds(entries, parts, osp.join(work_dir, 'folds'))


def reference_fold_scores(data: str, parts: List[List[int]]
                          ) -> Tuple[List[np.ndarray], np.ndarray]:
    """Held-out scores of the reference baseline (forest fitted on the other
    folds) on each fold, and the multi-hot labels of the train clips."""
    import reference_baseline as ref

    from tiny_action.datasets.class_map import load_class_map
    classes = load_class_map(osp.join(data, 'class_map.json'))
    x, y, _ = ref.split_features(osp.join(data, 'train'), 'lr', classes)
    scores = []
    for held in parts:
        fit = np.ones(len(x), bool)
        fit[held] = False
        forest = ref.fit_forest(x[fit], y[fit])
        scores.append(ref.forest_scores(forest, x[held], len(classes)))
    return scores, y


def fold_f1(scores: List[np.ndarray], y: np.ndarray,
            parts: List[List[int]]) -> List[float]:
    """Macro-F1 of each fold's held-out ``scores`` against ``y[held]``."""
    from tiny_action.evaluation import macro_prf
    return [macro_prf(s, y[held])['f1'] for s, held in zip(scores, parts)]


def reference_on_folds(data: str, parts: List[List[int]]) -> List[float]:
    """Held-out macro-F1 of the reference baseline on each fold: the floor
    of the candidates' scores."""
    scores, y = reference_fold_scores(data, parts)
    return fold_f1(scores, y, parts)


#: bins of a clip's shorter side (px) for :func:`accuracy_by_size`.
SIZE_BINS = ((0, 40), (40, 64), (64, 10**6))


def accuracy_by_size(correct: np.ndarray, sizes: np.ndarray) -> List[Dict]:
    """Share of correct clips in each :data:`SIZE_BINS` bin of ``sizes``
    (the clips' shorter sides): ``lo``, ``hi``, ``clips``, ``accuracy``
    (None for an empty bin)."""
    rows = []
    for lo, hi in SIZE_BINS:
        inside = (sizes >= lo) & (sizes < hi)
        rows.append(dict(lo=lo, hi=hi, clips=int(inside.sum()),
                         accuracy=float(correct[inside].mean())
                         if inside.any() else None))
    return rows


def recall_by_fold(correct: np.ndarray, y: np.ndarray,
                   parts: List[List[int]]) -> List[List[Optional[float]]]:
    """Per fold, per class: the share of the held-out clips of that class
    (``y``'s top label) whose top-scored class is right (``correct``, one
    flag per train clip); None for a class the fold does not hold."""
    label = y.argmax(1)
    out = []
    for held in parts:
        held = np.asarray(held)
        out.append([float(correct[held][label[held] == c].mean())
                    if (label[held] == c).any() else None
                    for c in range(y.shape[1])])
    return out


def mean_recall(per_seed: List[List[List[Optional[float]]]]
                ) -> List[List[Optional[float]]]:
    """:func:`recall_by_fold` averaged over the seeds."""
    return [[None if vals[0] is None else float(np.mean(vals))
             for vals in zip(*folds)] for folds in zip(*per_seed)]


def seed_run(name: str, k: int, seed: int) -> Tuple[str, List[str], str]:
    """Run name, ``--cfg-options`` and size-test name of fold ``k`` of
    candidate ``name`` with training ``seed`` (the names of
    :func:`seed_spread` and :func:`held_out_by_size`)."""
    if not seed:
        return f'{name}/fold{k}', [], f'{name}_fold{k}_last'
    return (f'{name}/seed{seed}/fold{k}', [f'randomness.seed={seed}'],
            f'{name}_seed{seed}_fold{k}_last')


def size_span(row: Dict) -> str:
    """An :func:`accuracy_by_size` row's bin as text ("40-64 px", "64 px
    and more")."""
    if row['hi'] < 10**6:
        return f"{row['lo']}-{row['hi']} px"
    return f"{row['lo']} px and more"


def clip_sizes(entries: List[dict]) -> np.ndarray:
    """Each entry's shorter side (native ``dim``), for :data:`SIZE_BINS`."""
    return np.array([min(e['dim'][1:]) for e in entries])


#: a clip is noisy when the median of its motion energy (the mean absolute
#: change of each pixel and channel between consecutive frames over each of
#: 16 segments, ``segment_energy``, at the clip's native size, grey levels
#: 0-255) is above this: a still camera's clean clip changes most pixels by
#: 0 between frames, a noisy or heavily compressed one nearly every pixel by
#: a level or two.
NOISE_FLOOR = 0.5
#: segments of :func:`noise_floor` (the recipe's).
NOISE_SEGMENTS = 16


def noise_floor(path: str) -> float:
    """The median motion energy of the video at ``path`` (see
    :data:`NOISE_FLOOR`): its frames at their own size, in grey levels."""
    from tiny_action.datasets.transforms.difference import segment_energy
    from tiny_action.datasets.transforms.loading import TinyVideoReader
    reader = TinyVideoReader(path)
    frames = np.asarray(reader.get_batch(range(len(reader))), np.float32)
    return float(np.median(segment_energy(frames, NOISE_SEGMENTS)))


def noisy_clips(split_dir: str, res: str = 'lr') -> np.ndarray:
    """Per entry of ``<split_dir>/annotations.json``: is the ``res`` clip's
    :func:`noise_floor` above :data:`NOISE_FLOOR`? Reads the frames only,
    never a label."""
    from mmengine.utils import track_iter_progress
    entries = read_annotation_entries(osp.join(split_dir, 'annotations.json'))
    return np.array([noise_floor(osp.join(split_dir, res, e['path']))
                     > NOISE_FLOOR for e in track_iter_progress(entries)])


def reference_correct(reference: Tuple[List[np.ndarray], np.ndarray],
                      parts: List[List[int]]) -> np.ndarray:
    """Per train clip: is the reference baseline's top-scored class its
    label, fold by fold (``reference``: :func:`reference_fold_scores`)."""
    ref_scores, y = reference
    correct = np.zeros(len(y), bool)
    for scores, held in zip(ref_scores, parts):
        correct[held] = scores.argmax(1) == y[held].argmax(1)
    return correct


def last_checkpoint_correct(runs: ProxyRuns, run_dir: str, test: str,
                            config: str, held: List[int],
                            y: np.ndarray) -> np.ndarray:
    """Test the last checkpoint in ``run_dir`` on its held-out clips (dump
    ``test``) and say, per clip in ``held`` order, whether its top-scored
    class is its label.

    Raises:
        RuntimeError: The dump's labels are not those of ``y[held]``.
    """
    return held_out_dump(runs, run_dir, test, config, held, y)[1]


def held_out_dump(runs: ProxyRuns, run_dir: str, test: str, config: str,
                  held: List[int], y: np.ndarray) -> Tuple[object, np.ndarray]:
    """The dump ``test`` of the last checkpoint in ``run_dir`` tested with
    ``config`` on its held-out clips, and per clip in ``held`` order whether
    its top-scored class is its label.

    Raises:
        RuntimeError: The dump's labels are not those of ``y[held]``.
    """
    from tiny_action.tools.ensemble import load_dump
    dump = load_dump(runs.test(test, config, last_checkpoint(run_dir)))
    if not np.array_equal(dump.labels, y[held]):
        raise RuntimeError(f'{run_dir}: the dump\'s labels are not those of '
                           'the held-out clips')
    return dump, dump.scores.argmax(1) == y[held].argmax(1)


def test_views_score(runs: ProxyRuns, name: str, config: str, run_dir: str,
                     views: int) -> Dict:
    """Held-out F1 / mAP of the last checkpoint of ``run_dir`` tested with
    ``views`` frame samplings per clip (``tools/test.py``)."""
    from tiny_action.evaluation import macro_prf, mean_average_precision
    from tiny_action.tools.ensemble import load_dump
    ckpt = last_checkpoint(run_dir)
    dump = load_dump(runs.test(
        name, config, ckpt,
        [f'test_dataloader.dataset.pipeline.1.num_views={views}']))
    return dict(step=max(epoch_checkpoints(run_dir)),
                f1=macro_prf(dump.scores, dump.labels)['f1'],
                mAP=mean_average_precision(dump.scores, dump.labels))


def trained_history(runs: ProxyRuns, run: str, config: str,
                    options: Sequence[str] = ()) -> Tuple[str, List[Dict]]:
    """Train ``run`` (unless finished) and return its folder and the
    validation records it logged.

    Raises:
        RuntimeError: The training logged no validation.
    """
    run_dir = runs.train(run, config, options)
    history = val_history(run_dir)
    if not history:
        raise RuntimeError(f'{run_dir} logged no validation')
    return run_dir, history


def write_fold_configs(c: dict, folds, cfg_dir: str) -> List[str]:
    """Write the config of candidate ``c`` for every ``(fit, held)`` fold
    as ``<cfg_dir>/<name>_fold<k>.py`` (``name`` without test views: the
    training is theirs to share) and return the paths."""
    trained = candidate_name(dict(c, test_views=1))
    paths = []
    for k, (fit, held) in enumerate(folds):
        paths.append(osp.join(cfg_dir, f'{trained}_fold{k}.py'))
        atomic_write_bytes(paths[-1],
                           candidate_config(c, fit, held).encode('utf-8'))
    return paths
