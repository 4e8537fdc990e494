"""Resize of a low-resolution clip and its super-resolved twin."""
from typing import Dict, List, Optional, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

__all__ = ['PairedResize']

_INTERPOLATIONS = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
    'lanczos': cv2.INTER_LANCZOS4,
}

Scale = Union[int, Tuple[int, int]]


def _check_scale(name: str, scale: Optional[Scale],
                 allow_none: bool) -> Optional[Tuple[int, int]]:
    if scale is None and allow_none:
        return None
    if isinstance(scale, int) and not isinstance(scale, bool):
        scale = (scale, scale)
    if (not isinstance(scale, (tuple, list)) or len(scale) != 2
            or not all(isinstance(s, int) and s > 0 for s in scale)):
        raise ValueError(f'`{name}` should be a positive int or a (width, '
                         f'height) pair of positive ints, but got {scale!r}.')
    return (int(scale[0]), int(scale[1]))


def _resize_frames(frames: Union[List[np.ndarray], np.ndarray],
                   size: Tuple[int, int], interpolation: int) -> list:
    w, h = size
    out = []
    for img in frames:
        if img.shape[:2] == (h, w):
            out.append(img)
        else:
            out.append(cv2.resize(img, (w, h), interpolation=interpolation))
    return out


@TRANSFORMS.register_module()
class PairedResize(BaseTransform):
    """Resize the low-resolution frames and the super-resolved frames, each
    to its own fixed size (aspect ratio not kept, like mmaction's
    ``Resize(scale, keep_ratio=False)``).

    Sizes are ``(width, height)`` as in mmaction's ``Resize``; an int means
    a square. Frames already at the target size are kept as they are.

    Required Keys:

        - imgs
        - sr_imgs (optional)

    Modified Keys:

        - imgs
        - img_shape
        - sr_imgs (if present and ``sr_scale`` is set)
        - sr_img_shape (if present and ``sr_scale`` is set)

    Added Keys:

        - keep_ratio (False)
        - scale_factor (``[w_ratio, h_ratio]`` of the LR clip, float32)
        - sr_scale_factor (if ``sr_imgs`` is resized)

    Args:
        scale (int | tuple[int, int]): Output ``(width, height)`` of
            ``imgs``. Defaults to ``(112, 112)``.
        sr_scale (int | tuple[int, int], optional): Output ``(width,
            height)`` of ``sr_imgs``; None leaves them as they are. Defaults
            to ``(224, 224)``.
        interpolation (str): One of ``'nearest'``, ``'bilinear'``,
            ``'bicubic'``, ``'area'``, ``'lanczos'``. Defaults to
            ``'bilinear'`` (mmaction's default).
    """

    def __init__(self,
                 scale: Scale = (112, 112),
                 sr_scale: Optional[Scale] = (224, 224),
                 interpolation: str = 'bilinear') -> None:
        self.scale = _check_scale('scale', scale, allow_none=False)
        self.sr_scale = _check_scale('sr_scale', sr_scale, allow_none=True)
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(
                f'`interpolation` should be one of {sorted(_INTERPOLATIONS)}'
                f', but got {interpolation!r}.')
        self.interpolation = interpolation

    def transform(self, results: Dict) -> Dict:
        """Resize the frames.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        if 'imgs' not in results:
            raise KeyError('PairedResize needs `imgs` (decoded frames) in the '
                           'results.')
        interp = _INTERPOLATIONS[self.interpolation]
        h, w = results['imgs'][0].shape[:2]
        results['imgs'] = _resize_frames(results['imgs'], self.scale, interp)
        new_w, new_h = self.scale
        results['img_shape'] = (new_h, new_w)
        results['keep_ratio'] = False
        results['scale_factor'] = np.array([new_w / w, new_h / h],
                                           dtype=np.float32)

        if self.sr_scale is not None and results.get('sr_imgs') is not None:
            sh, sw = results['sr_imgs'][0].shape[:2]
            results['sr_imgs'] = _resize_frames(results['sr_imgs'],
                                                self.sr_scale, interp)
            new_sw, new_sh = self.sr_scale
            results['sr_img_shape'] = (new_sh, new_sw)
            results['sr_scale_factor'] = np.array([new_sw / sw, new_sh / sh],
                                                  dtype=np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'sr_scale={self.sr_scale}, '
                f'interpolation={self.interpolation!r})')
