"""Random time reversal of training clips."""
from typing import Dict, List, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from ..label_pairs import swap_label
from .processing import check_probability

__all__ = ['TemporalReverse']

Frames = Union[List[np.ndarray], np.ndarray]


def _reverse_views(frames: Frames, views: int, name: str, key: str) -> Frames:
    """``frames`` cut into ``views`` equal views, each played backwards
    (a new list or array; views stay in their order)."""
    total = len(frames)
    if views < 1 or total % views:
        raise ValueError(f'TemporalReverse: {name!r} has {total} {key}, not '
                         f'{views} views of equal length.')
    size = total // views
    order = np.arange(total).reshape(views, size)[:, ::-1].reshape(-1)
    if isinstance(frames, np.ndarray):
        return frames[order]
    return [frames[i] for i in order]


@TRANSFORMS.register_module()
class TemporalReverse(BaseTransform):
    """Play a training clip backwards at random; the classes that time
    reversal turns into each other swap labels.

    Backwards, a fight is still a fight and a walk still a walk, but an
    ``Entering`` is an ``Exiting`` and a ``vehicle_starting`` a
    ``vehicle_stopping``, and a ``Loading`` is an unloading, which may not
    be a class at all. The dataset resolves both through its class map
    (``TinyVIRATDataset(reverse_label_pairs=..., irreversible_classes=...)``)
    and hands every sample their indices: a reversed sample gets the pairs'
    labels swapped, and a sample that carries an irreversible class is
    never reversed. Without either key every class is taken to read the
    same backwards.

    It works on the frames as the sampler and decoder leave them: with
    ``key_frames`` (``UniformSegment(all_frames=True)``) ``imgs`` is the
    whole clip, which is reversed, and every view's key frames are mapped
    onto the reversed clip (still in increasing order); otherwise ``imgs``
    holds ``num_clips`` views of equal length, each reversed in place of
    itself. ``sr_imgs`` and ``frame_inds`` follow ``imgs``. Put it after
    decoding and before anything that reads the order of the frames
    (``SegmentMotion``, ``FrameDifference``, ``FormatShape``). The
    teacher-knowledge cache of the distillation does not know about
    reversal: use a live teacher with it.

    Required Keys:

        - imgs
        - sr_imgs, key_frames, frame_inds (optional)
        - num_clips (optional, defaults to 1)
        - reverse_label_pairs, irreversible_classes (optional)
        - label (optional)

    Modified Keys:

        - imgs, sr_imgs, key_frames, frame_inds
        - label (when reversed and ``reverse_label_pairs`` is not empty;
          a multi-hot 1-D array or an int)

    Added Keys:

        - reversed

    Args:
        prob (float): Probability to reverse a clip. Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = check_probability('TemporalReverse', 'prob', prob)

    @staticmethod
    def _irreversible(results: Dict) -> bool:
        """Whether the sample carries a class without a backward twin."""
        classes: Sequence[int] = results.get('irreversible_classes') or ()
        label = results.get('label')
        if not classes or label is None:
            return False
        label = np.asarray(label)
        if label.ndim == 0:  # an int class index
            return int(label) in classes
        return bool(np.any(label[list(classes)] > 0))

    def transform(self, results: Dict) -> Dict:
        """Reverse the clip with probability ``prob`` (never a sample with
        an irreversible class).

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        reverse = (self.prob > 0 and np.random.rand() < self.prob
                   and not self._irreversible(results))
        results['reversed'] = bool(reverse)
        if not reverse:
            return results
        name = results.get('filename', 'a sample')
        if results.get('imgs') is None:
            raise KeyError(f'TemporalReverse needs `imgs` (decoded frames) '
                           f'for {name!r}.')
        views = int(results.get('num_clips', 1))
        keys = results.get('key_frames')
        if keys is not None:  # the whole clip: one "view" of every frame
            total = len(results['imgs'])
            keys = np.asarray(keys, np.int64)
            if keys.size % views:
                raise ValueError(f'TemporalReverse: {name!r} has '
                                 f'{keys.size} key frames, not {views} views '
                                 'of equal length.')
            results['key_frames'] = (total - 1 - keys.reshape(
                views, -1)[:, ::-1]).reshape(-1)
            views = 1
        for key in ('imgs', 'sr_imgs', 'frame_inds'):
            if results.get(key) is not None:
                results[key] = _reverse_views(results[key], views, name, key)
        pairs = results.get('reverse_label_pairs')
        if pairs and results.get('label') is not None:
            results['label'] = swap_label(results['label'], pairs,
                                           'reverse_label_pairs')
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'
