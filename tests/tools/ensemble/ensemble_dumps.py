"""Dumps as ``tools/test.py --dump`` writes them, for the ensemble tests.

Imported by the test modules as ``ensemble_dumps`` (pytest puts this folder
on ``sys.path``). Samples go through the same path as in a real test run:
``ActionDataSample`` -> ``to_dict()`` (mmengine ``Evaluator.process``) ->
mmengine ``DumpResults`` (``_to_cpu`` + ``mmengine.dump``), or the project's
``NumpyDumpResults`` for a ``.npz`` path.
"""
import json
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import DumpResults

from tiny_action.evaluation import NumpyDumpResults

CLASSES = ['walk', 'run', 'stand', 'turn_left', 'turn_right', 'open',
           'close', 'talk']


def problem(seed: int, n: int = 60, c: int = len(CLASSES)):
    """Random multi-hot labels and informative probabilities."""
    rng = np.random.default_rng(seed)
    labels = (rng.random((n, c)) < 0.25).astype(np.float32)
    labels[0, :] = 1  # every class has a positive
    logits = rng.normal(-1.0, 1.0, (n, c)) + 2.0 * labels
    return 1 / (1 + np.exp(-logits)), labels


def write_dump(path, scores: np.ndarray, labels: Optional[np.ndarray] = None,
               ids: Optional[Sequence[str]] = None,
               meta_keys: Sequence[str] = ('id', 'sample_idx'),
               label_dtype=np.float32) -> Path:
    """Write one dump; ``meta_keys`` chooses which identity keys survive:
    the default is what ``PackTinyActionInputs`` keeps, ``('video_id',)``
    what mmaction's stock ``PackActionInputs`` keeps (no clip id). A
    ``.npz`` path is written by ``NumpyDumpResults``."""
    n, c = scores.shape
    labels = np.zeros((n, c)) if labels is None else labels
    ids = [f'{i:05d}' for i in range(n)] if ids is None else list(ids)
    samples = []
    for i in range(n):
        ds = ActionDataSample()
        ds.set_gt_label(np.asarray(labels[i], dtype=label_dtype))
        ds.set_pred_score(torch.as_tensor(scores[i], dtype=torch.float32))
        meta = dict(img_shape=(32, 32), video_id=f'video_{i // 4}',
                    id=ids[i], sample_idx=i, filename=f'root/x/{ids[i]}.mp4')
        ds.set_metainfo({k: meta[k] for k in ('img_shape', *meta_keys)})
        samples.append(ds.to_dict())
    dump_type = (NumpyDumpResults
                 if str(path).endswith('.npz') else DumpResults)
    metric = dump_type(out_file_path=str(path))
    metric.process(None, samples)
    metric.compute_metrics(metric.results)
    return Path(path)


def write_annotation(path, ids: Sequence[str], labels=None,
                     classes: Sequence[str] = CLASSES,
                     test_paths: bool = True) -> Path:
    """A TinyVIRAT-v2 annotation file (test form: ``path`` = ``id.mp4``)."""
    entries = []
    for i, clip_id in enumerate(ids):
        e = dict(id=clip_id, video_id=f'video_{i // 4}', dim=[16, 32, 32],
                 path=(f'{clip_id}.mp4' if test_paths else
                       f'video_{i // 4}/{clip_id}.mp4'))
        if labels is not None:
            e['label'] = [classes[j] for j in np.flatnonzero(labels[i])]
        entries.append(e)
    Path(path).write_text(json.dumps(entries))
    return Path(path)
