"""Temporal gradient of the sampled frames (a motion input for tiny clips)."""
from typing import Dict, List, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

__all__ = ['FrameDifference']

_MODES = ('diff', 'rgb+diff')


def _stack(frames: Union[List[np.ndarray], np.ndarray], views: int
           ) -> List[np.ndarray]:
    clip = np.stack([np.asarray(f) for f in frames]).astype(np.float32)
    if clip.shape[0] % views:
        raise ValueError(f'FrameDifference: {clip.shape[0]} frames cannot be '
                         f'split into {views} views of equal length.')
    return np.split(clip, views)


def _with_frames(view: np.ndarray, grad: np.ndarray, mode: str) -> list:
    if mode == 'rgb+diff':
        grad = np.concatenate([view, grad], axis=-1)
    return list(grad)


def _temporal_gradient(frames: Union[List[np.ndarray], np.ndarray],
                       views: int, mode: str) -> List[np.ndarray]:
    """Per view of ``len(frames) // views`` frames: ``np.gradient`` along
    time (central differences, one-sided at both ends; zeros for a view of
    one frame), optionally after the frames' own channels."""
    out = []
    for view in _stack(frames, views):
        grad = np.gradient(view, axis=0) if len(view) > 1 else \
            np.zeros_like(view)
        out += _with_frames(view, grad, mode)
    return out


def _pair_differences(frames: Union[List[np.ndarray], np.ndarray],
                      pairs: int, mode: str) -> List[np.ndarray]:
    """One frame per pair ``(a, b)`` of consecutive frames: ``b - a``,
    optionally after ``a``'s own channels."""
    out = []
    for a, b in _stack(frames, pairs):
        out += _with_frames(a[None], (b - a)[None], mode)
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

    With ``pairs=True`` the sampler must give pairs of consecutive frames as
    views of two frames, e.g. mmaction's ``SampleFrames(clip_len=2,
    frame_interval=1, num_clips=16)`` (16 pairs spread over the clip, like
    16 uniform segments): each pair ``(a, b)`` becomes one frame, ``b - a``
    (after ``a`` with ``'rgb+diff'``), so the clip is one view of
    ``num_clips`` frames holding the motion between neighbouring frames
    (``num_clips`` becomes 1, ``clip_len`` the number of pairs and
    ``frame_inds`` the first frame of each pair).

    Required Keys:

        - imgs
        - num_clips (optional, defaults to 1)
        - clip_len (with ``pairs``)
        - frame_inds (optional, with ``pairs``)
        - sr_imgs (optional)

    Modified Keys:

        - imgs
        - sr_imgs
        - num_clips, clip_len, frame_inds (with ``pairs``)

    Args:
        mode (str): ``'diff'`` or ``'rgb+diff'``. Defaults to ``'diff'``.
        pairs (bool): The views are pairs of consecutive frames, each
            turned into one frame. Defaults to False.
    """

    def __init__(self, mode: str = 'diff', pairs: bool = False) -> None:
        if mode not in _MODES:
            raise ValueError(f'FrameDifference: `mode` should be one of '
                             f'{_MODES}, but got {mode!r}.')
        self.mode = mode
        self.pairs = bool(pairs)

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
        if self.pairs:
            return self._pairs(results, views)
        results['imgs'] = _temporal_gradient(results['imgs'], views,
                                             self.mode)
        if results.get('sr_imgs') is not None:
            results['sr_imgs'] = _temporal_gradient(results['sr_imgs'], views,
                                                    self.mode)
        return results

    def _pairs(self, results: Dict, views: int) -> Dict:
        if results.get('clip_len') != 2 or len(results['imgs']) != 2 * views:
            raise ValueError(
                'FrameDifference(pairs=True) needs views of 2 consecutive '
                "frames (e.g. SampleFrames(clip_len=2, ...)), but got "
                f"clip_len={results.get('clip_len')!r} and "
                f"{len(results['imgs'])} frames in {views} views.")
        for key in ('imgs', 'sr_imgs'):
            if results.get(key) is not None:
                results[key] = _pair_differences(results[key], views,
                                                 self.mode)
        if results.get('frame_inds') is not None:
            results['frame_inds'] = np.asarray(results['frame_inds'])[::2]
        results['num_clips'], results['clip_len'] = 1, views
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(mode={self.mode!r}, '
                f'pairs={self.pairs})')
