"""Temporal gradient of the sampled frames (a motion input for tiny clips)."""
from typing import Dict, List, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

__all__ = ['FrameDifference']

_MODES = ('diff', 'rgb+diff')


def _temporal_gradient(frames: Union[List[np.ndarray], np.ndarray],
                       views: int, mode: str) -> List[np.ndarray]:
    """Per view of ``len(frames) // views`` frames: ``np.gradient`` along
    time (central differences, one-sided at both ends; zeros for a view of
    one frame), optionally after the frames' own channels."""
    clip = np.stack([np.asarray(f) for f in frames]).astype(np.float32)
    n = clip.shape[0]
    if n % views:
        raise ValueError(f'FrameDifference: {n} frames cannot be split into '
                         f'{views} views of equal length.')
    out = []
    for view in np.split(clip, views):
        if len(view) > 1:
            grad = np.gradient(view, axis=0)
        else:
            grad = np.zeros_like(view)
        if mode == 'rgb+diff':
            grad = np.concatenate([view, grad], axis=-1)
        out.extend(grad)
    return out


@TRANSFORMS.register_module()
class FrameDifference(BaseTransform):
    """Replace the sampled frames by their temporal gradient (``'diff'``) or
    append it as extra channels (``'rgb+diff'``).

    Frame ``t`` of each view becomes ``(f[t + 1] - f[t - 1]) / 2`` (at the
    ends ``f[1] - f[0]`` and ``f[T - 1] - f[T - 2]``, i.e.
    ``numpy.gradient`` along time), so a static background is zero and only
    what moves remains: on tiny surveillance clips from a few hundred scenes
    this removes the scene appearance that a small model otherwise learns
    instead of the action. The number of frames is unchanged (``frame_inds``,
    ``clip_len`` and ``num_clips`` stay valid). Frames become float32
    ``H x W x C`` arrays with values in ``[-255, 255]`` (``'diff'``, ``C``
    = 3) or the frame followed by its gradient (``'rgb+diff'``, ``C`` = 6);
    set the data preprocessor's ``mean`` / ``std`` (and the backbone's
    ``in_channels``) to match. The super-resolved twin (``sr_imgs``) gets the
    same treatment. Put it after the spatial transforms (crop, resize, flip)
    and before ``FormatShape``.

    Required Keys:

        - imgs
        - num_clips (optional, defaults to 1)
        - sr_imgs (optional)

    Modified Keys:

        - imgs
        - sr_imgs

    Args:
        mode (str): ``'diff'`` or ``'rgb+diff'``. Defaults to ``'diff'``.
    """

    def __init__(self, mode: str = 'diff') -> None:
        if mode not in _MODES:
            raise ValueError(f'FrameDifference: `mode` should be one of '
                             f'{_MODES}, but got {mode!r}.')
        self.mode = mode

    def transform(self, results: Dict) -> Dict:
        """Compute the temporal gradient of ``imgs`` (and ``sr_imgs``).

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        if results.get('imgs') is None:
            raise KeyError('FrameDifference needs `imgs` (decoded frames) in '
                           'the results.')
        views = int(results.get('num_clips', 1))
        results['imgs'] = _temporal_gradient(results['imgs'], views,
                                             self.mode)
        if results.get('sr_imgs') is not None:
            results['sr_imgs'] = _temporal_gradient(results['sr_imgs'], views,
                                                    self.mode)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(mode={self.mode!r})'
