"""Running a trained SR teacher once over the training set (cached
knowledge for ``DualResolutionRecognizer(knowledge_cache=...)``).

Online versus cached knowledge: online distillation runs the teacher on the
super-resolved twin of *exactly* the frames (and flip) the student sees in
each step. The cache instead stores, per training video, the teacher's
sigmoid probabilities averaged over ``num_views`` deterministic views
(view 0 = the middle frame of each of the 16 segments, the others seeded
random frames per segment, as ``UniformSegment`` draws in training) and,
with ``flip=True``, their horizontal flips (the flips data balance adds).
The student then sees one smoother target per video; the teacher's cost
is paid once instead of every step.
"""
import copy
import json
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from tiny_action.models.recognizers import load_checkpoint_strict
from tiny_action.utils.dist import shard_indices
from tiny_action.utils.fileio import write_json_atomic


def build_teacher(cfg: Config,
                  checkpoint: str,
                  device: Optional[str] = None,
                  classes: Optional[Sequence[str]] = None) -> torch.nn.Module:
    """The recognizer of ``cfg`` with ``checkpoint`` loaded, in eval.

    Raises:
        CheckpointMismatchError: the checkpoint does not fit the model, or
            was trained on other ``classes`` (or another order).
    """
    model = MODELS.build(cfg.model)
    load_checkpoint_strict(model, checkpoint, 'teacher', classes)
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    return model.to(device).eval()


def _knowledge_dataset(cfg: Config, num_views: int):
    """The teacher config's *training* videos, read with its test pipeline
    (``UniformSegment`` switched to ``num_views`` deterministic views)."""
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.pop('tail_flip', None)
    ds_cfg['test_mode'] = True
    pipeline = copy.deepcopy(cfg.val_dataloader.dataset.pipeline)
    samplers = [t for t in pipeline if t['type'] == 'UniformSegment']
    if len(samplers) != 1:
        raise ValueError('the teacher config\'s val pipeline should have one '
                         f'UniformSegment, found {len(samplers)}')
    samplers[0].update(num_views=num_views, test_mode=True)
    ds_cfg['pipeline'] = pipeline
    return DATASETS.build(ds_cfg)


@torch.no_grad()
def cache_teacher_knowledge(cfg: Config,
                            checkpoint: str,
                            out_file: str,
                            num_views: int = 4,
                            flip: bool = True,
                            batch_size: int = 8,
                            rank: int = 0,
                            world_size: int = 1,
                            progress: bool = True) -> Dict[str, np.ndarray]:
    """Compute this rank's share of the knowledge and write it atomically to
    ``out_file`` (JSON ``{"scores": {clip id: [C probabilities]}, "meta":
    {...}}``). Returns the scores written."""
    dataset = _knowledge_dataset(cfg, num_views)
    model = build_teacher(cfg, checkpoint,
                          classes=dataset.metainfo.get('classes'))
    indices = shard_indices(len(dataset), rank, world_size)
    bar = None
    if progress and indices:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(indices))
    scores: Dict[str, np.ndarray] = {}
    for start in range(0, len(indices), batch_size):
        items = [dataset[i] for i in indices[start:start + batch_size]]
        data = model.data_preprocessor(pseudo_collate(items), False)
        inputs = data['inputs']  # (N, views, C, T, H, W)
        views = [inputs] + ([inputs.flip(-1)] if flip else [])
        probs = torch.stack([
            model._forward(v, stage='head').float().sigmoid().view(
                inputs.shape[0], inputs.shape[1], -1).mean(1)
            for v in views
        ]).mean(0)
        for sample, p in zip(data['data_samples'], probs.cpu().numpy()):
            scores[str(sample.metainfo['id'])] = p
        if bar is not None:
            bar.update(len(items))
    meta = dict(config=cfg.filename, checkpoint=checkpoint,
                num_views=num_views, flip=flip,
                classes=list(dataset.metainfo.get('classes', ())),
                rank=rank, world_size=world_size)
    write_json_atomic(out_file, dict(
        scores={k: v.tolist() for k, v in scores.items()}, meta=meta))
    return scores


def part_path(out_file: str, rank: int, world_size: int) -> str:
    """The per-rank cache file of ``out_file``."""
    return f'{osp.splitext(out_file)[0]}.rank{rank}-of-{world_size}.json'


def merge_caches(parts, out_file: str, expected: int) -> int:
    """Merge per-rank caches into ``out_file``; every clip exactly once."""
    merged: Dict[str, list] = {}
    meta = None
    for part in parts:
        with open(part) as f:
            data = json.load(f)
        dup = set(merged) & set(data['scores'])
        if dup:
            raise ValueError(f'{part}: clips {sorted(dup)[:5]} were computed '
                             'by two ranks')
        merged.update(data['scores'])
        meta = data['meta']
    if len(merged) != expected:
        raise ValueError(f'merged knowledge has {len(merged)} clips, the '
                         f'dataset {expected}')
    meta = dict(meta, rank=None, world_size=len(parts))
    write_json_atomic(out_file, dict(scores=merged, meta=meta))
    return len(merged)
