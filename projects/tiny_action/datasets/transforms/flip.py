"""Horizontal flip of the data-balance copies (and optional random flip)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

__all__ = ['TailFlipBalance']

Frames = Union[List[np.ndarray], np.ndarray]


def _hflip_frames(frames: Frames) -> Frames:
    """Mirror every frame left-right into new arrays (never in place, so
    frames that share memory are each flipped exactly once)."""
    if isinstance(frames, np.ndarray):
        if frames.ndim != 4:
            raise ValueError('Frames given as one array should be (N, H, W, '
                             f'C), but got shape {frames.shape}.')
        return np.ascontiguousarray(frames[:, :, ::-1])
    return [cv2.flip(np.ascontiguousarray(img), 1) for img in frames]


@TRANSFORMS.register_module()
class TailFlipBalance(BaseTransform):
    """Flip the extra copies that balance the long tail, and optionally any
    sample at random.

    The dataset marks a duplicated sample of a tail class with
    ``tail_flip=True``; this transform mirrors all its frames left-right, the
    same way for every frame and for the low-resolution (``imgs``) and
    super-resolved (``sr_imgs``) clips. With ``flip_ratio > 0`` every other
    sample is also flipped with that probability (ordinary flip
    augmentation); a ``tail_flip`` copy is always flipped.

    A horizontal flip turns a "turning left" into a "turning right"
    (TinyVIRAT has ``vehicle_turning_left`` / ``vehicle_turning_right``):
    ``flip_label_pairs`` swaps such classes in the label of a flipped sample.
    It works on multi-hot labels (1-D arrays) and on int labels, and never
    edits the label array in place (the dataset may share it between
    samples).

    Required Keys:

        - imgs
        - sr_imgs (optional)
        - tail_flip (optional, False if absent)
        - label (optional, with ``flip_label_pairs``)

    Modified Keys:

        - imgs
        - sr_imgs
        - label (with ``flip_label_pairs``)

    Added Keys:

        - flip
        - flip_direction

    Args:
        flip_ratio (float): Probability to flip a sample that is not a
            ``tail_flip`` copy. Defaults to 0.
        flip_label_pairs (Sequence[tuple[int, int]], optional): Pairs of class
            indices that swap under a horizontal flip, e.g. ``[(left,
            right)]``. Defaults to None.
    """

    def __init__(
            self,
            flip_ratio: float = 0.0,
            flip_label_pairs: Optional[Sequence[Tuple[int, int]]] = None
    ) -> None:
        if (isinstance(flip_ratio, bool)
                or not isinstance(flip_ratio, (int, float))
                or not 0.0 <= flip_ratio <= 1.0):
            raise ValueError('`flip_ratio` should be a probability in [0, 1], '
                             f'but got {flip_ratio!r}.')
        self.flip_ratio = float(flip_ratio)
        self.flip_label_pairs = self._check_pairs(flip_label_pairs)

    @staticmethod
    def _check_pairs(
        pairs: Optional[Sequence[Tuple[int, int]]]
    ) -> List[Tuple[int, int]]:
        if pairs is None:
            return []
        checked, seen = [], set()
        for pair in pairs:
            if (not isinstance(pair, (tuple, list)) or len(pair) != 2
                    or not all(isinstance(c, int) and c >= 0 for c in pair)
                    or pair[0] == pair[1]):
                raise ValueError(
                    '`flip_label_pairs` should be pairs of two different '
                    f'non-negative class indices, but got {pair!r}.')
            if seen & set(pair):
                raise ValueError(
                    '`flip_label_pairs` should name each class at most once, '
                    f'but {pair!r} repeats one of {sorted(seen)}.')
            seen.update(pair)
            checked.append((int(pair[0]), int(pair[1])))
        return checked

    def _swap_label(
            self, label: Union[np.ndarray, int]) -> Union[np.ndarray, int]:
        if isinstance(label, np.ndarray) and label.ndim == 1:
            label = label.copy()
            for a, b in self.flip_label_pairs:
                if max(a, b) >= label.shape[0]:
                    raise ValueError(
                        f'flip_label_pairs {(a, b)} is out of range for a '
                        f'label of {label.shape[0]} classes.')
                label[[a, b]] = label[[b, a]]
            return label
        if isinstance(label, (int, np.integer)):
            for a, b in self.flip_label_pairs:
                if label == a:
                    return type(label)(b)
                if label == b:
                    return type(label)(a)
            return label
        raise ValueError('flip_label_pairs needs a multi-hot 1-D array or an '
                         f'int label, but got {type(label).__name__}.')

    def transform(self, results: Dict) -> Dict:
        """Flip the frames when needed.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        flip = bool(results.get('tail_flip', False))
        if not flip and self.flip_ratio > 0:
            flip = bool(np.random.rand() < self.flip_ratio)

        if flip:
            if 'imgs' not in results:
                raise KeyError('TailFlipBalance needs `imgs` (decoded frames) '
                               'in the results.')
            results['imgs'] = _hflip_frames(results['imgs'])
            if results.get('sr_imgs') is not None:
                results['sr_imgs'] = _hflip_frames(results['sr_imgs'])
            if self.flip_label_pairs and 'label' in results:
                results['label'] = self._swap_label(results['label'])
        results['flip'] = flip
        results['flip_direction'] = 'horizontal'
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(flip_ratio={self.flip_ratio}, '
                f'flip_label_pairs={self.flip_label_pairs})')
