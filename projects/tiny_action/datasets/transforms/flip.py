"""Horizontal flips: of the data-balance copies (and optional random flip)
in training, and mirrored test views."""
from typing import Dict, List, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from ..label_pairs import swap_label
from .processing import check_probability

__all__ = ['TailFlipBalance', 'FlipViews']

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
    sample at random; a flipped sample's mirrored classes swap labels.

    The dataset marks a duplicated sample of a tail class with
    ``tail_flip=True``; this transform mirrors all its frames left-right, the
    same way for every frame and for the low-resolution (``imgs``) and
    super-resolved (``sr_imgs``) clips. With ``flip_ratio > 0`` every other
    sample is also flipped with that probability (ordinary flip
    augmentation); a ``tail_flip`` copy is always flipped.

    A horizontal flip turns a "turning left" into a "turning right". The
    dataset resolves the class names of such pairs through its class map
    (``TinyVIRATDataset(flip_label_pairs=...)``) and hands their indices to
    every sample as ``flip_label_pairs``; a flipped sample gets those classes
    swapped in its label. It works on multi-hot labels (1-D arrays) and on
    int labels, and never edits the label array in place (the dataset may
    share it between samples).

    Required Keys:

        - imgs
        - sr_imgs (optional)
        - tail_flip (optional, False if absent)
        - flip_label_pairs (optional, no swap if absent)
        - label (optional)

    Modified Keys:

        - imgs
        - sr_imgs
        - label (when flipped and ``flip_label_pairs`` is not empty)

    Added Keys:

        - flip
        - flip_direction

    Args:
        flip_ratio (float): Probability to flip a sample that is not a
            ``tail_flip`` copy. Defaults to 0.
    """

    def __init__(self, flip_ratio: float = 0.0) -> None:
        self.flip_ratio = check_probability('TailFlipBalance', 'flip_ratio',
                                            flip_ratio)

    def transform(self, results: Dict) -> Dict:
        """Flip the frames (and swap mirrored labels) when needed.

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
            pairs = results.get('flip_label_pairs')
            if pairs and 'label' in results:
                results['label'] = swap_label(results['label'], pairs)
        results['flip'] = flip
        results['flip_direction'] = 'horizontal'
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(flip_ratio={self.flip_ratio})'


def _append_mirrors(frames: Frames) -> Frames:
    """``frames`` followed by their left-right mirrors, in the same order."""
    mirrors = _hflip_frames(frames)
    if isinstance(frames, np.ndarray):
        return np.concatenate([frames, mirrors])
    return list(frames) + mirrors


@TRANSFORMS.register_module()
class FlipViews(BaseTransform):
    """Test-time flip: the clip's views are followed by their left-right
    mirrors, and the recognizer averages the clip's scores over all of them
    (the head's ``average_clips``), as ``TenCrop`` does for its crops.

    The mirrors are appended to ``imgs`` (and ``sr_imgs``, with
    ``frame_inds`` repeated to match) as one more block of the same
    ``num_clips * clip_len`` frames: ``FormatShape`` reads the block as a
    second crop, so a clip of ``V`` views is scored on ``2V``. Put it after
    the last transform that changes the frames (resize, crop,
    ``SegmentMotion``) and before ``FormatShape``. Channels with a
    direction (an optical flow's ``dx``) are mirrored in space only, their
    sign kept: leave such inputs without FlipViews.

    A mirrored "turning left" is a "turning right": averaging the scores of
    a view and its mirror mixes the two classes. A sample that carries
    ``flip_label_pairs`` (``TinyVIRATDataset(flip_label_pairs=...)``) is
    therefore an error naming it; such classes need the mirrored scores
    swapped back, which this transform cannot do.

    Required Keys:

        - imgs
        - sr_imgs, frame_inds (optional)
        - flip_label_pairs (optional; must be empty)

    Modified Keys:

        - imgs
        - sr_imgs
        - frame_inds (repeated when ``sr_imgs`` is given, as the SR twin's
          packing checks them against each other)
    """

    def transform(self, results: Dict) -> Dict:
        """Append the mirror of every frame to ``results`` (the pipeline's
        result dict, returned updated)."""
        name = results.get('filename', 'a sample')
        if results.get('flip_label_pairs'):
            raise ValueError(
                f'FlipViews: {name!r} has flip_label_pairs '
                f"{list(results['flip_label_pairs'])}: averaging a view with "
                'its mirror would mix the mirrored classes; leave FlipViews '
                'out of the test pipeline of such a dataset.')
        if 'imgs' not in results:
            raise KeyError(f'FlipViews: {name!r} has no `imgs` (decoded '
                           'frames).')
        results['imgs'] = _append_mirrors(results['imgs'])
        if results.get('sr_imgs') is not None:
            results['sr_imgs'] = _append_mirrors(results['sr_imgs'])
            if results.get('frame_inds') is not None:
                inds = np.asarray(results['frame_inds'])
                results['frame_inds'] = np.concatenate([inds, inds])
        return results
