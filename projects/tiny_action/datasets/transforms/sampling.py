"""Uniform segment sampling (one frame from each of N equal segments)."""
import zlib
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

from .processing import check_positive_int

__all__ = ['UniformSegment', 'RandomTemporalCrop']


def total_frames_of(results: Dict, owner: str) -> int:
    """``results['total_frames']`` as an int, or a ValueError naming
    ``owner`` and the sample when it is not a positive int."""
    total = results.get('total_frames')
    if (not isinstance(total, (int, np.integer)) or isinstance(total, bool)
            or total < 1):
        raise ValueError(
            f'{owner} needs `total_frames` >= 1 (set by TinyVideoInit), but '
            f'got {total!r} for {results.get("filename", "a sample")!r}.')
    return int(total)


@TRANSFORMS.register_module()
class UniformSegment(BaseTransform):
    """Split a video into ``num_segments`` equal segments and take one frame
    from each: a random one in training, the middle one in test.

    Frames are seen as time intervals (frame ``j`` spans ``[j, j + 1)``) and
    segment ``i`` is ``[i * T / N, (i + 1) * T / N)`` for ``T`` frames and
    ``N`` segments. Training takes the frame under a uniformly random instant
    of each segment (so a frame that overlaps two segments can come from
    either, in proportion to the overlap); test takes the frame under each
    segment's middle instant, ``floor((2 i + 1) T / (2 N))``. Indices never
    decrease along the clip and are always valid, also for clips shorter than
    ``num_segments``, whose frames are then repeated evenly in order (2
    frames, 16 segments: 8 x frame 0 then 8 x frame 1; 1 frame: 16 x frame
    0).

    With ``num_views > 1`` in test mode, view 0 is the middle frames and
    views 1.. are random frames per segment drawn from a generator seeded by
    ``seed`` and the video (``filename``, else ``sample_idx``), so they are
    the same in every run and every worker. In training all views are
    random (global numpy RNG, which mmengine seeds per worker).

    ``sampling='random'`` drops the segments: each view is ``num_segments``
    frames drawn at random from the whole clip, without replacement (with
    replacement when the clip is shorter), in temporal order; in test mode
    every view is such a seeded draw (no middle view). This is the sampling
    of the R(2+1)D + ASL TinyAction entry (Chen et al. 2021, SUSTech & HKU:
    "we sample 16 frames randomly" in training; "sample 16 frames randomly
    five times and then average the classification scores" in test).

    The outputs follow mmaction's ``UniformSample`` (``clip_len`` =
    segments, ``num_clips`` = views), so ``FormatShape('NCTHW')`` gives
    ``num_views x C x num_segments x H x W`` and ``PackActionInputs`` works
    (with ``all_frames``, once :class:`SegmentMotion` has made one frame per
    segment).
    The same ``frame_inds`` are used for the super-resolved clip by
    :class:`TinyVideoDecode`.

    With ``all_frames=True`` every frame of the clip is decoded
    (``frame_inds`` = all ``total_frames`` frames, in order) and the
    frames chosen above are kept as positions into them in ``key_frames``
    (``num_views * num_segments``), for :class:`SegmentMotion`, which turns
    the whole clip back into ``num_segments`` frames per view (each chosen
    frame with the motion energy of its segment).

    Required Keys:

        - total_frames
        - start_index (optional, defaults to 0)
        - filename (optional, seeds the test views)
        - sample_idx (optional, seeds the test views if no filename)

    Added Keys:

        - frame_inds (np.int32, shape ``(num_views * num_segments,)``;
          with ``all_frames`` every frame, ``(total_frames,)``)
        - clip_len (= ``num_segments``)
        - frame_interval (None)
        - num_clips (= ``num_views``)
        - key_frames (with ``all_frames``)

    Args:
        num_segments (int): Segments, i.e. frames per view. Defaults to 16.
        num_views (int): Clips sampled per video. Defaults to 1.
        test_mode (bool): Middle frames (and seeded extra views) instead of
            random ones. Defaults to False.
        seed (int): Seed of the test views 1.. (mixed with the video's
            name). Defaults to 0.
        sampling (str): ``'segments'`` (one frame per segment) or
            ``'random'`` (frames drawn from the whole clip, see above).
            Defaults to ``'segments'``.
        all_frames (bool): Decode the whole clip and record the chosen
            frames in ``key_frames`` (see above). Defaults to False.
    """

    SAMPLINGS = ('segments', 'random')

    def __init__(self,
                 num_segments: int = 16,
                 num_views: int = 1,
                 test_mode: bool = False,
                 seed: int = 0,
                 sampling: str = 'segments',
                 all_frames: bool = False) -> None:
        self.num_segments = check_positive_int('UniformSegment',
                                               'num_segments', num_segments)
        self.num_views = check_positive_int('UniformSegment', 'num_views',
                                            num_views)
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(
                f'`seed` should be a non-negative int, but got {seed!r}.')
        if sampling not in self.SAMPLINGS:
            raise ValueError(f'`sampling` should be one of {self.SAMPLINGS}, '
                             f'but got {sampling!r}.')
        self.test_mode = test_mode
        self.seed = int(seed)
        if all_frames and sampling != 'segments':
            raise ValueError('`all_frames` keeps one frame per segment: it '
                             "needs sampling='segments', but got "
                             f'{sampling!r}.')
        self.sampling = sampling
        self.all_frames = bool(all_frames)

    def middle_inds(self, total_frames: int) -> np.ndarray:
        """Frame under the middle of each segment, ``(num_segments,)``."""
        i = np.arange(self.num_segments, dtype=np.int64)
        return (2 * i + 1) * total_frames // (2 * self.num_segments)

    def random_inds(self, total_frames: int,
                    rng: Optional[np.random.Generator] = None) -> np.ndarray:
        """Frame under a uniformly random instant of each segment.

        Works in exact integer "ticks" of ``1 / num_segments`` frame: segment
        ``i`` is ticks ``[i * T, (i + 1) * T)`` and frame ``j`` ticks
        ``[j * N, (j + 1) * N)``.

        Args:
            total_frames (int): Frames in the video.
            rng (np.random.Generator, optional): Generator to draw from;
                None uses the global numpy RNG. Defaults to None.

        Returns:
            np.ndarray: ``(num_segments,)`` int64 frame indices.
        """
        n = self.num_segments
        if rng is None:
            offsets = np.random.randint(0, total_frames, size=n)
        else:
            offsets = rng.integers(0, total_frames, size=n)
        ticks = np.arange(n, dtype=np.int64) * total_frames + offsets
        return ticks // n

    def random_frames(self, total_frames: int,
                      rng: Optional[np.random.Generator] = None
                      ) -> np.ndarray:
        """``num_segments`` frames drawn from the whole clip, sorted:
        without replacement, or with it when the clip is shorter (arguments
        and result as :meth:`random_inds`)."""
        n, replace = self.num_segments, total_frames < self.num_segments
        draw = (np.random.choice if rng is None else rng.choice)(
            total_frames, size=n, replace=replace)
        return np.sort(draw).astype(np.int64)

    def _view_rng(self, results: Dict) -> np.random.Generator:
        key = results.get('filename')
        if key is None:
            key = results.get('sample_idx', 0)
        digest = zlib.crc32(str(key).encode('utf-8'))
        return np.random.default_rng([self.seed, digest])

    def transform(self, results: Dict) -> Dict:
        """Sample the frame indices.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        total_frames = total_frames_of(results, 'UniformSegment')

        if self.sampling == 'random':
            rng = self._view_rng(results) if self.test_mode else None
            views = [self.random_frames(total_frames, rng)
                     for _ in range(self.num_views)]
        elif self.test_mode:
            views = [self.middle_inds(total_frames)]
            if self.num_views > 1:
                rng = self._view_rng(results)
                views += [
                    self.random_inds(total_frames, rng)
                    for _ in range(self.num_views - 1)
                ]
        else:
            views = [
                self.random_inds(total_frames) for _ in range(self.num_views)
            ]
        inds = np.concatenate(views)
        if self.all_frames:
            results['key_frames'] = inds.astype(np.int64)
            inds = np.arange(total_frames)
        inds = inds + results.get('start_index', 0)

        results['frame_inds'] = inds.astype(np.int32)
        results['clip_len'] = self.num_segments
        results['frame_interval'] = None
        results['num_clips'] = self.num_views
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'num_segments={self.num_segments}, '
                f'num_views={self.num_views}, '
                f'test_mode={self.test_mode}, seed={self.seed}, '
                f'sampling={self.sampling!r}, '
                f'all_frames={self.all_frames})')


@TRANSFORMS.register_module()
class RandomTemporalCrop(BaseTransform):
    """Keep a random window of consecutive frames of a clip before it is
    sampled: a label-preserving view in time, as a random resized crop is
    in space.

    The window covers a uniformly random share in ``[min_ratio, 1]`` of the
    clip's ``total_frames`` (rounded, at least ``min_frames`` or the whole
    clip if it is shorter) and starts at a uniformly random frame where it
    fits. ``start_index`` and ``total_frames`` are set to the window, so
    the sampler after it (e.g. :class:`UniformSegment`, also with
    ``all_frames``) splits the window, not the clip, into its segments.
    Put it between :class:`~tiny_action.datasets.transforms.TinyVideoInit`
    and the sampler, in the train pipeline only; the global numpy RNG is
    used (mmengine seeds it per worker).

    Required Keys:

        - total_frames
        - start_index (optional, defaults to 0)

    Modified Keys:

        - total_frames
        - start_index

    Args:
        min_ratio (float): Smallest share of the clip kept, in (0, 1].
            Defaults to 0.6.
        min_frames (int): Fewest frames kept (when the clip has them; 2
            keeps a frame difference). Defaults to 2.
    """

    def __init__(self, min_ratio: float = 0.6, min_frames: int = 2) -> None:
        if isinstance(min_ratio, bool) or not isinstance(
                min_ratio, (int, float)) or not 0 < min_ratio <= 1:
            raise ValueError('RandomTemporalCrop: `min_ratio` should be in '
                             f'(0, 1], but got {min_ratio!r}.')
        self.min_ratio = float(min_ratio)
        self.min_frames = check_positive_int('RandomTemporalCrop',
                                             'min_frames', min_frames)

    def window(self, total_frames: int) -> int:
        """Frames of a random window of a ``total_frames``-frame clip."""
        share = np.random.uniform(self.min_ratio, 1.0)
        length = max(int(round(share * total_frames)), self.min_frames)
        return min(length, total_frames)

    def transform(self, results: Dict) -> Dict:
        """Narrow ``start_index`` / ``total_frames`` to a random window.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        total = total_frames_of(results, 'RandomTemporalCrop')
        length = self.window(total)
        offset = np.random.randint(0, total - length + 1)
        results['start_index'] = results.get('start_index', 0) + offset
        results['total_frames'] = length
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_ratio={self.min_ratio}, '
                f'min_frames={self.min_frames})')
