"""Running a trained SR teacher once over the training set (cached
knowledge for ``DualResolutionRecognizer(knowledge_cache=...)``).

Online versus cached knowledge: online distillation runs the teacher on the
super-resolved twin of *exactly* the frames (and flip) the student sees in
each step. The cache instead stores, per training video, the teacher's
sigmoid probabilities averaged over ``num_views`` deterministic views
(view 0 = the middle frame of each of the 16 segments, the others seeded
random frames per segment, as ``UniformSegment`` draws in training) and,
with ``flip=True``, their horizontal flips (the flips data balance adds).
A flipped view's scores of mirrored classes (the dataset's
``flip_label_pairs``, e.g. turning left / right) are swapped back before
averaging, so the cache holds every video as it is stored; the recognizer
swaps them again for a flipped training sample. The student then sees one
smoother target per video; the teacher's cost is paid once instead of
every step.
"""
import copy
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.fileio import load

from tiny_action.datasets import swap_label_pairs
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


def knowledge_dataset(cfg: Config, num_views: int):
    """The teacher config's *training* videos, read with its test pipeline
    (``UniformSegment`` switched to ``num_views`` deterministic views).

    Args:
        cfg (Config): The teacher's config.
        num_views (int): Views per video.

    Returns:
        BaseDataset: The dataset (``test_mode=True``, no tail flips).

    Raises:
        ValueError: the val pipeline has not exactly one
            ``UniformSegment``.
    """
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
def average_views(model: torch.nn.Module, inputs: torch.Tensor, flip: bool,
                  flip_label_pairs: Sequence[Tuple[int, int]] = ()
                  ) -> torch.Tensor:
    """Sigmoid probabilities ``(N, C)`` of ``model`` averaged over the
    views of ``inputs`` ``(N, views, C, T, H, W)`` and, with ``flip``, over
    their horizontal mirrors, whose ``flip_label_pairs`` classes are swapped
    back first (a mirrored left turn scores as a right turn)."""
    def probs(x: torch.Tensor) -> torch.Tensor:
        logits = model(x, mode='tensor', stage='head').float()
        return logits.sigmoid().view(x.shape[0], x.shape[1], -1).mean(1)

    views = [probs(inputs)]
    if flip:
        views.append(swap_label_pairs(probs(inputs.flip(-1)),
                                      flip_label_pairs))
    return torch.stack(views).mean(0)


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
    dataset = knowledge_dataset(cfg, num_views)
    pairs = getattr(dataset, 'flip_label_pairs', [])
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
        probs = average_views(model, data['inputs'], flip, pairs)
        for sample, p in zip(data['data_samples'], probs.cpu().numpy()):
            scores[str(sample.metainfo['id'])] = p
        if bar is not None:
            bar.update(len(items))
    classes = list(dataset.metainfo.get('classes', ()))
    meta = dict(config=cfg.filename, checkpoint=checkpoint,
                num_views=num_views, flip=flip,
                flip_label_pairs=[[classes[a], classes[b]] for a, b in pairs],
                classes=classes,
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
        data = load(part, file_format='json')
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
