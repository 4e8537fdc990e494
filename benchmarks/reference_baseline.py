"""Reference baseline for the real proxy: handcrafted motion features and a
random forest, the floor that every proxy result is printed beside.

A clip (all its frames, grey, resized to ``size`` px) becomes a fixed vector:

* frame-difference energy on a ``grid x grid`` grid: the mean absolute
  difference of consecutive frames in each cell, averaged over time, and the
  same cells' temporal maximum, each sorted (so the vector says how much of
  the frame moves and how strongly, not where);
* global statistics of the per-frame motion energy (mean, std, max,
  percentiles, fraction of moving pixels at two levels, temporal
  autocorrelation), of the brightness and contrast, and the clip's length
  and native size.

A ``RandomForestClassifier`` (300 trees) fitted on the train split scores
the positive class (``fight``); the two-class scores ``(p, 1 - p)`` are
thresholded at 0.5 and scored with the challenge's macro-F1, the metric of
every proxy result.

    python benchmarks/reference_baseline.py [--data data/tiny_surveillance] [--res lr]

The module is imported by ``benchmarks/proxy_surveillance.py``.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Sequence, Tuple

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if osp.join(REPO, 'projects') not in sys.path:
    sys.path.insert(0, osp.join(REPO, 'projects'))

from tiny_action.datasets.annotations import read_annotation_entries  # noqa: E402
from tiny_action.datasets.class_map import load_class_map  # noqa: E402
from tiny_action.datasets.transforms.loading import TinyVideoReader  # noqa: E402
from tiny_action.datasets.transforms.statistics import (  # noqa: E402
    grey_clip, motion_statistics)
from tiny_action.evaluation import macro_prf  # noqa: E402

#: grey frames are resized to this many pixels before the differences.
FEATURE_SIZE = 64
#: cells per side of the motion-energy grid.
GRID = 16


def grey_frames(path: str, size: int = FEATURE_SIZE) -> np.ndarray:
    """All frames of a video as ``(T, size, size)`` float32 grey in [0, 1]."""
    reader = TinyVideoReader(path)
    return grey_clip(reader.get_batch(range(len(reader))), size) / 255.0


def clip_features(frames: np.ndarray, native_size: int,
                  grid: int = GRID) -> np.ndarray:
    """The feature vector of one clip (see the module docstring): the
    package's :func:`motion_statistics`, then the clip's length and native
    size.

    Args:
        frames (np.ndarray): ``(T, S, S)`` grey frames in [0, 1], ``S``
            divisible by ``grid``.
        native_size (int): The clip's own frame size in pixels.
        grid (int): Cells per side of the energy grid.

    Returns:
        np.ndarray: 1-D float32 features, the same length for every clip.
    """
    shortcut = np.asarray([len(frames), native_size], np.float32)
    return np.concatenate([motion_statistics(frames, grid), shortcut])


def split_features(split_dir: str, res: str,
                   classes: Sequence[str]) -> Tuple[np.ndarray, np.ndarray,
                                                    List[Dict]]:
    """Features ``(N, D)``, multi-hot labels ``(N, C)`` and the entries of a
    split folder (``annotations.json`` and ``res``/ videos)."""
    entries = read_annotation_entries(osp.join(split_dir, 'annotations.json'))
    index = {c: i for i, c in enumerate(classes)}
    feats, labels = [], np.zeros((len(entries), len(classes)), np.float32)
    for i, entry in enumerate(entries):
        path = osp.join(split_dir, res, entry['path'])
        frames = grey_frames(path)
        feats.append(clip_features(frames, int(entry['dim'][1])))
        for name in entry['label']:
            if name not in index:
                raise ValueError(f'{split_dir}/annotations.json: entry {i} '
                                 f'has label {name!r}, not in {classes}')
            labels[i, index[name]] = 1
    return np.stack(feats), labels, entries


def fit_forest(features: np.ndarray, labels: np.ndarray, seed: int = 0):
    """A 300-tree random forest on the argmax label (one label per clip)."""
    from sklearn.ensemble import RandomForestClassifier
    forest = RandomForestClassifier(
        n_estimators=300, random_state=seed, n_jobs=1)
    return forest.fit(features, labels.argmax(1))


def forest_scores(forest, features: np.ndarray, num_classes: int) -> np.ndarray:
    """Per-class probabilities ``(N, C)`` of a fitted forest."""
    scores = np.zeros((len(features), num_classes), np.float32)
    scores[:, forest.classes_] = forest.predict_proba(features)
    return scores


def reference_val_scores(data_root: str, res: str = 'lr',
                         seeds: Sequence[int] = (0, 1, 2)
                         ) -> Tuple[List[np.ndarray], np.ndarray]:
    """Val class probabilities of the reference (forest fitted on train).

    Args:
        data_root (str): Folder with ``class_map.json``, ``train/``, ``val/``.
        res (str): ``'lr'`` or ``'hr'`` videos.
        seeds (Sequence[int]): Forest seeds.

    Returns:
        tuple: ``(N, C)`` scores per seed, and the ``(N, C)`` multi-hot val
        labels (entries in annotation order).
    """
    classes = load_class_map(osp.join(data_root, 'class_map.json'))
    x_tr, y_tr, _ = split_features(osp.join(data_root, 'train'), res, classes)
    x_va, y_va, _ = split_features(osp.join(data_root, 'val'), res, classes)
    scores = [forest_scores(fit_forest(x_tr, y_tr, seed), x_va, len(classes))
              for seed in seeds]
    return scores, y_va


def reference_scores(data_root: str, res: str = 'lr', seeds: Sequence[int] = (0, 1, 2)
                     ) -> Dict[str, float]:
    """Val macro-F1 of the reference (forest fitted on train), one per seed.

    Args:
        data_root (str): Folder with ``class_map.json``, ``train/``, ``val/``.
        res (str): ``'lr'`` or ``'hr'`` videos.
        seeds (Sequence[int]): Forest seeds.

    Returns:
        dict: ``f1`` (list per seed), ``mean``, ``std``, ``scores`` (per
        seed, ``N x C`` nested lists) and ``labels`` (``N x C``), val
        entries in annotation order.
    """
    scores, labels = reference_val_scores(data_root, res, seeds)
    f1 = [macro_prf(s, labels)['f1'] for s in scores]
    return dict(f1=f1, mean=float(np.mean(f1)), std=float(np.std(f1)),
                scores=[s.tolist() for s in scores], labels=labels.tolist())


def cached_reference(data_root: str, cache: str, res: str = 'lr'
                     ) -> Dict[str, float]:
    """:func:`reference_scores`, read from / written to the JSON ``cache``
    (keyed by data root and resolution)."""
    key = f'{osp.realpath(data_root)}:{res}'
    table = {}
    if osp.isfile(cache):
        with open(cache) as f:
            table = json.load(f)
    if key not in table:
        from tiny_action.utils.fileio import write_json_atomic
        table[key] = reference_scores(data_root, res)
        os.makedirs(osp.dirname(cache) or '.', exist_ok=True)
        write_json_atomic(cache, table)
    return table[key]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default=osp.join(REPO, 'data',
                                                   'tiny_surveillance'))
    parser.add_argument('--res', default='lr', choices=['lr', 'hr'])
    args = parser.parse_args()
    result = reference_scores(args.data, args.res)
    print(f'reference baseline ({args.res}): val macro-F1 per forest seed '
          f'{[round(f, 3) for f in result["f1"]]}, mean {result["mean"]:.3f}'
          f' +- {result["std"]:.3f}')


if __name__ == '__main__':
    main()
