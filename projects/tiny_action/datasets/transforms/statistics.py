"""Clip-level motion statistics: the handcrafted description of a whole clip
that ``benchmarks/reference_baseline.py`` feeds to its random forest, and
that :class:`MotionStatistics` hands to a network's head
(``MotionStatsHead``)."""
from typing import Dict

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .processing import check_positive_int

__all__ = ['motion_statistics', 'grey_clip', 'MotionStatistics']

#: global statistics that :func:`motion_statistics` appends to the cells.
NUM_GLOBAL = 14


def _autocorr(x: np.ndarray, lag: int) -> float:
    if x.size <= lag or x.std() == 0:
        return 0.0
    return float(np.corrcoef(x[:-lag], x[lag:])[0, 1])


def motion_statistics(frames: np.ndarray, grid: int = 16,
                      white: float = 1.0) -> np.ndarray:
    """Frame-difference statistics of one grey clip.

    With ``diff = |f[t + 1] - f[t]|`` (a clip of one frame has one zero
    difference) and its mean over each cell of a ``grid x grid`` grid:

    * the cells' temporal mean, sorted (``grid ** 2`` values), then their
      temporal maximum, sorted (``grid ** 2``): how much of the frame moves
      and how strongly, not where (a flip leaves them unchanged);
    * :data:`NUM_GLOBAL` global statistics: the per-frame energy
      ``diff.mean((1, 2))``'s mean, std, max and 10th / 50th / 90th
      percentiles; the fraction of differences above ``0.05 * white`` and
      ``0.15 * white``; the energy's autocorrelation at lags 1 and 4; the
      mean over cells of their temporal std; the frames' mean and std, and
      the mean over pixels of their temporal std.

    Args:
        frames (np.ndarray): ``(T, S, S)`` float grey frames, ``T >= 1``,
            ``S`` divisible by ``grid``.
        grid (int): Cells per side. Defaults to 16.
        white (float): The value of white in ``frames`` (1 for [0, 1], 255
            for grey levels); scales the two thresholds. Defaults to 1.

    Returns:
        np.ndarray: float32 vector of ``2 * grid ** 2 + NUM_GLOBAL`` values.

    Raises:
        ValueError: ``frames`` is not ``(T, S, S)`` with ``S`` divisible by
            ``grid``.
    """
    if frames.ndim != 3 or len(frames) < 1 or frames.shape[1] != \
            frames.shape[2] or frames.shape[1] % grid:
        raise ValueError('motion_statistics expects (T, S, S) grey frames, '
                         f'T >= 1, S divisible by grid={grid}; got '
                         f'{frames.shape}')
    t, s, _ = frames.shape
    if t < 2:
        diff = np.zeros((1, s, s), np.float32)
    else:
        diff = np.abs(np.diff(frames, axis=0))
    cell = s // grid
    cells = diff.reshape(len(diff), grid, cell, grid, cell).mean((2, 4))
    energy = diff.mean((1, 2))  # per-frame motion energy
    stats = [
        energy.mean(), energy.std(), energy.max(),
        *np.percentile(energy, [10, 50, 90]),
        (diff > 0.05 * white).mean(), (diff > 0.15 * white).mean(),
        _autocorr(energy, 1), _autocorr(energy, 4),
        cells.std(axis=0).mean(),
        frames.mean(), frames.std(), frames.std(axis=0).mean(),
    ]
    return np.concatenate([
        np.sort(cells.mean(0).ravel()),
        np.sort(cells.max(0).ravel()),
        np.asarray(stats, np.float32),
    ]).astype(np.float32)


def grey_clip(frames, size: int) -> np.ndarray:
    """``(T, size, size)`` float32 grey frames in grey levels (0-255) of
    ``T`` RGB ``H x W x 3`` frames (OpenCV's grey weights, then an area
    resize; uint8 frames stay uint8 until the resize is done)."""
    grey = []
    for frame in frames:
        frame = np.asarray(frame)
        if frame.dtype != np.uint8:
            frame = frame.astype(np.float32)
        g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        grey.append(cv2.resize(g, (size, size), interpolation=cv2.INTER_AREA))
    return np.stack(grey).astype(np.float32)


@TRANSFORMS.register_module()
class MotionStatistics(BaseTransform):
    """Describe the whole decoded clip by its motion statistics
    (:func:`motion_statistics`, in grey levels) for a head that takes them
    (``MotionStatsHead``): the clip-level signal of the handcrafted
    reference, which 16 segments of a network see only in part.

    Every frame in ``imgs`` is used: put it after ``TinyVideoDecode`` of an
    ``UniformSegment(all_frames=True)`` clip, before ``SegmentMotion``
    (which keeps one frame per segment) and before any resize. After the
    flip and crop, the statistics describe the frames the network sees
    (a flip leaves them unchanged; a training crop changes them as it
    changes the frames). The frames
    are made grey, area-resized to ``size`` px, and the ``2 * grid ** 2``
    sorted cell values are thinned to ``quantiles`` evenly spaced ranks
    each (the smallest and largest included), so the vector has
    ``2 * quantiles + 14`` values. The clip's length and native size are
    not part of it. ``PackTinyActionInputs`` stores it as
    ``data_sample.motion_stats``.

    Required Keys:

        - imgs (RGB ``H x W x 3`` frames, uint8 or float)

    Added Keys:

        - motion_stats (float32 ``(2 * quantiles + 14,)``)

    Args:
        size (int): Grey frames are area-resized to ``size x size``.
            Defaults to 64.
        grid (int): Cells per side; must divide ``size``. Defaults to 16.
        quantiles (int): Ranks kept of each sorted set of cells, from 2 to
            ``grid ** 2``. Defaults to 16.
    """

    def __init__(self, size: int = 64, grid: int = 16,
                 quantiles: int = 16) -> None:
        size, grid, quantiles = (
            check_positive_int('MotionStatistics', name, value)
            for name, value in (('size', size), ('grid', grid),
                                ('quantiles', quantiles)))
        if size % grid:
            raise ValueError(f'MotionStatistics: `grid` ({grid}) should '
                             f'divide `size` ({size})')
        if not 2 <= quantiles <= grid * grid:
            raise ValueError('MotionStatistics: `quantiles` should be in '
                             f'[2, grid ** 2 = {grid * grid}], but got '
                             f'{quantiles}')
        self.size, self.grid, self.quantiles = size, grid, quantiles
        n = self.grid * self.grid
        self._ranks = np.round(np.linspace(0, n - 1, self.quantiles)).astype(
            np.int64)

    @property
    def num_stats(self) -> int:
        """Length of the vector (a head's ``stats_channels``)."""
        return 2 * self.quantiles + NUM_GLOBAL

    def transform(self, results: Dict) -> Dict:
        """Add ``motion_stats``.

        Raises:
            ValueError: ``imgs`` is empty or not of RGB frames.
        """
        imgs = results['imgs']
        if len(imgs) == 0 or np.asarray(imgs[0]).ndim != 3 or \
                np.asarray(imgs[0]).shape[2] != 3:
            raise ValueError(
                f"{results.get('filename', 'a sample')!r}: MotionStatistics "
                'expects a non-empty clip of H x W x 3 RGB frames, got '
                f'{len(imgs)} frame(s) of shape '
                f'{np.asarray(imgs[0]).shape if len(imgs) else "()"}')
        full = motion_statistics(grey_clip(imgs, self.size), self.grid,
                                 white=255.0)
        n = self.grid * self.grid
        results['motion_stats'] = np.concatenate(
            [full[:n][self._ranks], full[n:2 * n][self._ranks],
             full[2 * n:]]).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, '
                f'grid={self.grid}, quantiles={self.quantiles})')
