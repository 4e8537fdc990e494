"""Motion inputs for tiny clips: the temporal gradient of the sampled frames,
the motion energy of each segment of the whole clip, and the optical flow at
each segment's frame."""
from typing import Dict, List, Sequence, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

__all__ = ['FrameDifference', 'SegmentMotion']

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


def segment_bounds(total: int, segments: int) -> np.ndarray:
    """``(segments, 2)`` frame ranges ``[start, stop)`` of equal segments of
    a ``total``-frame clip (the segments of :class:`UniformSegment`); a
    segment of a clip shorter than ``segments`` holds at least one frame."""
    i = np.arange(segments + 1, dtype=np.int64)
    edges = i * total // segments
    start = np.minimum(edges[:-1], total - 1)
    return np.stack([start, np.maximum(edges[1:], start + 1)], axis=1)


def _pair_ranges(total: int, segments: int) -> np.ndarray:
    """``(segments, 2)`` ranges ``[start, stop)`` into the ``total - 1``
    neighbouring-frame differences of a ``total``-frame clip (``total`` at
    least 2), one per segment of :func:`segment_bounds`: the pairs that
    start in the segment, at least one (a one-frame segment at the end
    takes the last pair)."""
    bounds = segment_bounds(total, segments)
    start = np.minimum(bounds[:, 0], total - 2)
    stop = np.maximum(np.minimum(bounds[:, 1], total - 1), start + 1)
    return np.stack([start, stop], axis=1)


def segment_energy(clip: np.ndarray, segments: int) -> np.ndarray:
    """Mean absolute difference of consecutive frames in each segment.

    Args:
        clip (np.ndarray): ``(T, H, W, C)`` float32 frames of a whole clip.
        segments (int): Number of equal segments.

    Returns:
        np.ndarray: ``(segments, H, W, C)``; segment ``[s, e)`` averages
        ``|f[j + 1] - f[j]|`` over ``j`` in ``[s, e)`` (``j`` at most
        ``T - 2``, so a one-frame segment at the end takes the last pair);
        zeros for a one-frame clip.
    """
    if len(clip) < 2:
        return np.zeros((segments, ) + clip.shape[1:], np.float32)
    diffs = np.abs(np.diff(clip, axis=0))
    # cumulative sums: any segment's mean in O(1)
    cum = np.concatenate([np.zeros_like(diffs[:1]), np.cumsum(diffs, 0)])
    out = [(cum[stop] - cum[start]) / (stop - start)
           for start, stop in _pair_ranges(len(clip), segments)]
    return np.stack(out).astype(np.float32)


def segment_peak(clip: np.ndarray, segments: int) -> np.ndarray:
    """Largest absolute difference of consecutive frames in each segment,
    pixel by pixel: the same pairs as :func:`segment_energy`, their
    maximum instead of their mean.

    Args:
        clip (np.ndarray): ``(T, H, W, C)`` float32 frames of a whole clip.
        segments (int): Number of equal segments.

    Returns:
        np.ndarray: ``(segments, H, W, C)``, at least the segment's energy
        everywhere (equal to it where the segment holds one pair); zeros
        for a one-frame clip.
    """
    if len(clip) < 2:
        return np.zeros((segments, ) + clip.shape[1:], np.float32)
    diffs = np.abs(np.diff(clip, axis=0))
    out = [diffs[start:stop].max(axis=0)
           for start, stop in _pair_ranges(len(clip), segments)]
    return np.stack(out).astype(np.float32)


def background(clip: np.ndarray) -> np.ndarray:
    """The still scene of a clip: the per-pixel temporal median of its
    frames.

    Args:
        clip (np.ndarray): ``(T, H, W, C)`` float32 frames of a whole clip.

    Returns:
        np.ndarray: ``(H, W, C)`` float32; a pixel that a person covers in
        fewer than half of the frames keeps the scene's value; the frame
        itself for a one-frame clip.
    """
    return np.median(clip, axis=0).astype(np.float32)


#: OpenCV Farneback parameters for frames of a few dozen pixels: a 2-level
#: pyramid (a 3rd level of a 48 px frame would be 12 px), 7 px windows.
FARNEBACK = dict(pyr_scale=0.5, levels=2, winsize=7, iterations=3, poly_n=5,
                 poly_sigma=1.1, flags=0)


def _grey_u8(frame: np.ndarray, size: int) -> np.ndarray:
    """8-bit grey frame (OpenCV's weights, levels clipped to 0-255), its
    shorter side area-resized to ``size``."""
    frame = np.asarray(frame, np.float32)
    if frame.ndim == 3 and frame.shape[-1] == 3:
        frame = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    elif frame.ndim == 3 and frame.shape[-1] == 1:
        frame = frame[..., 0]
    elif frame.ndim != 2:
        raise ValueError(f'optical flow needs RGB or grey frames, got shape '
                         f'{frame.shape}.')
    h, w = frame.shape
    scale = size / min(h, w)
    shape = (max(1, round(w * scale)), max(1, round(h * scale)))
    grey = cv2.resize(frame, shape, interpolation=cv2.INTER_AREA
                      if scale < 1 else cv2.INTER_LINEAR)
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


def key_frame_flow(clip: np.ndarray, keys: Sequence[int],
                   size: int) -> np.ndarray:
    """Dense optical flow (OpenCV Farneback, :data:`FARNEBACK`) from each
    key frame to the next frame of the clip (from the previous one to the
    last frame when the key is the last).

    The flow is computed with the frames' shorter side resized to ``size``
    and is given in pixels of that size, so clips of any resolution share
    one unit; the field is then resized (bilinear) back to the clip's
    ``H x W``.

    Args:
        clip (np.ndarray): ``(T, H, W, C)`` frames in grey levels (0-255),
            RGB (``C`` 3) or grey (``C`` 1).
        keys (Sequence[int]): Positions into ``clip``.
        size (int): Shorter side at which the flow is computed.

    Returns:
        np.ndarray: ``(len(keys), H, W, 2)`` float32 ``(dx, dy)``; zeros for
        a one-frame clip.
    """
    total, h, w = clip.shape[:3]
    out = np.zeros((len(keys), h, w, 2), np.float32)
    if total < 2:
        return out
    grey = {}
    for i, key in enumerate(keys):
        b = min(int(key) + 1, total - 1)
        for j in (b - 1, b):
            if j not in grey:
                grey[j] = _grey_u8(clip[j], size)
        flow = cv2.calcOpticalFlowFarneback(grey[b - 1], grey[b], None,
                                            **FARNEBACK)
        out[i] = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


@TRANSFORMS.register_module()
class SegmentMotion(BaseTransform):
    """Turn a whole decoded clip into ``num_segments`` frames per view:
    each segment's chosen frame followed by the motion energy of the
    segment, i.e. the mean ``|f[j + 1] - f[j]|`` over all neighbouring
    frames in it.

    Uniform segments see one frame in every few; the energy channels see
    every frame (on tiny clips the handcrafted reference of
    ``benchmarks/reference_baseline.py`` is built on exactly this
    quantity), while the model's cost stays that of ``num_segments``
    frames. Use it with ``UniformSegment(all_frames=True)``, after the
    flip and crop (they act on every frame alike) and before
    ``FormatShape``; before the resize, the energy is taken at the clip's
    native size and then resized with the frame (the real-proxy recipe
    does this, with ``PairedResize(interpolation='area')``), after it, at
    the input size.

    Modes (``C`` = channels of a frame, 3 for RGB):

    * ``'energy'``: the energy alone (``C``): what moves, without the scene;
    * ``'rgb+energy'``: the chosen frame, then the energy (``2C``);
    * ``'rgb+diff+energy'``: the chosen frame, the temporal gradient of the
      chosen frames (as :class:`FrameDifference`), then the energy (``3C``);
    * ``'rgb+flow+energy'``: the chosen frame, the optical flow from it to
      the next frame (:func:`key_frame_flow`, 2 channels ``dx, dy`` in
      pixels of a frame whose shorter side is ``flow_size``), then the
      energy (``2C + 2``). The energy has no direction: a person walking
      past and two people trading blows can move as many pixels, but only
      the second moves them every way at once. Put it after the flip, so a
      mirrored clip's flow is mirrored too;
    * ``'rgb+peak+energy'``: the chosen frame, the segment's peak motion
      (:func:`segment_peak`: per pixel the largest ``|f[j + 1] - f[j]|``
      of the pairs the energy averages), then the energy (``3C``). The
      mean of a segment's pairs cannot tell a steady walk from a few
      sudden jerks of the same total motion; the peak can (the handcrafted
      reference keeps the temporal maximum of every cell for this);
    * ``'fg+energy'``: the chosen frame minus the clip's background (the
      per-pixel temporal median of the clip's frames, :func:`background`;
      with ``per_frame``, of the view's),
      then the energy (``2C``): a still CCTV camera's scene is in every
      frame and names the camera, not the action; what differs from it
      are the people, still or moving.

    With ``per_frame=True`` it takes ordinary clips of consecutive frames
    instead (e.g. mmaction's ``SampleFrames(clip_len=16, frame_interval=1)``,
    no ``key_frames``): every frame is its own segment, so its energy is
    ``|f[t + 1] - f[t]|`` within its view (the last frame takes the last
    pair); this is the dense counterpart of the segments.

    With ``log_energy=True`` each energy value ``e`` (grey levels per
    frame) becomes ``log(1 + e)``: the energy is heavy-tailed (on the
    proxy's train clips mean 1.8, std 4.6-5.1, most pixels near 0), and the
    logarithm spreads the faint, widespread motion of a scuffle over as
    many input levels as the few pixels of a fast, bright edge.

    With ``noise_floor=True`` each energy channel loses the clip's median
    value of it (over its segments and pixels; with ``per_frame``, the
    view's), clipped at 0: a still, clean camera's pixels change by 0
    between frames and keep their energy, while a noisy camera or a
    heavily compressed clip changes most pixels by a grey level or two in
    every frame, a floor that names the camera rather than the action (on
    the proxy's lr train clips, at the native size, the median is at most
    0.5 grey levels in four clips of five and 1.2 or more in one of ten).
    Applied before ``log_energy``. Both options act on the peak channels
    of ``'rgb+peak+energy'`` as on the energy's.

    Frames become float32 ``H x W x C'``; set the data preprocessor's
    ``mean`` / ``std`` and the backbone's ``in_channels`` to match. The
    super-resolved twin (``sr_imgs``) gets the same treatment.

    Required Keys:

        - imgs (every frame of the clip; with ``per_frame`` the views)
        - key_frames (positions into ``imgs``, ``num_clips * clip_len``;
          not with ``per_frame``)
        - clip_len (= segments), num_clips (optional, defaults to 1)
        - sr_imgs (optional)

    Modified Keys:

        - imgs, sr_imgs, frame_inds

    Removed Keys:

        - key_frames

    Args:
        mode (str): One of :attr:`MODES` (see above). Defaults to
            ``'rgb+energy'``.
        per_frame (bool): Every frame of consecutive-frame views is its own
            segment (see above). Defaults to False.
        flow_size (int): Shorter side (px) at which the ``'flow'`` modes
            compute the flow, and its unit. Defaults to 48.
        log_energy (bool): The energy channels hold ``log(1 + e)`` instead
            of ``e`` (see above). Defaults to False.
        noise_floor (bool): Subtract the clip's median energy from its
            energy channels, clipped at 0 (see above). Defaults to False.
    """

    MODES = ('energy', 'rgb+energy', 'rgb+diff+energy', 'rgb+flow+energy',
             'rgb+peak+energy', 'fg+energy')

    def __init__(self, mode: str = 'rgb+energy', per_frame: bool = False,
                 flow_size: int = 48, log_energy: bool = False,
                 noise_floor: bool = False) -> None:
        if mode not in self.MODES:
            raise ValueError(f'SegmentMotion: `mode` should be one of '
                             f'{self.MODES}, but got {mode!r}.')
        if isinstance(flow_size, bool) or not isinstance(
                flow_size, int) or flow_size < 8:
            raise ValueError('SegmentMotion: `flow_size` should be an int of '
                             f'at least 8 px, but got {flow_size!r}.')
        self.mode = mode
        self.per_frame = bool(per_frame)
        self.flow_size = flow_size
        self.log_energy = bool(log_energy)
        self.noise_floor = bool(noise_floor)

    def transform(self, results: Dict) -> Dict:
        """Replace ``imgs`` (and ``sr_imgs``) by the segment frames.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        name = results.get('filename', 'a sample')
        if results.get('imgs') is None:
            raise KeyError(f'SegmentMotion needs `imgs` for {name!r}.')
        if results.get('clip_len') is None:
            raise KeyError(f'SegmentMotion needs `clip_len` (the number of '
                           f'segments, set by the sampler) for {name!r}.')
        views, segments = int(results.get('num_clips', 1)), int(
            results['clip_len'])
        total = len(results['imgs'])
        if self.per_frame:
            if 'key_frames' in results:
                raise ValueError(
                    f'SegmentMotion(per_frame=True): {name!r} comes from '
                    'UniformSegment(all_frames=True) (it has `key_frames`); '
                    'per_frame is for clips of consecutive frames, leave it '
                    'False here.')
            if total != views * segments:
                raise ValueError(
                    f'SegmentMotion(per_frame=True): {name!r} has {total} '
                    f'frames, expected {views} views x {segments}.')
            keys = None
        else:
            keys = self._key_frames(results, views * segments, total, name)
        for key in ('imgs', 'sr_imgs'):
            if results.get(key) is not None:
                results[key] = self._frames(results[key], keys, views,
                                            segments)
        if keys is not None and results.get('frame_inds') is not None:
            results['frame_inds'] = np.asarray(results['frame_inds'])[keys]
        return results

    @staticmethod
    def _key_frames(results: Dict, expected: int, total: int,
                    name: str) -> np.ndarray:
        keys = results.pop('key_frames', None)
        if keys is None:
            raise KeyError(f'SegmentMotion needs `key_frames` '
                           f'(UniformSegment(all_frames=True)) for {name!r}, '
                           'or per_frame=True for clips of consecutive '
                           'frames.')
        keys = np.asarray(keys, np.int64)
        if keys.shape != (expected, ) or keys.min() < 0 or keys.max() >= total:
            raise ValueError(
                f'SegmentMotion: {name!r} has {total} frames and expected '
                f'{expected} key frames among them, got {keys.tolist()}.')
        return keys

    def _frames(self, frames, keys, views: int,
                segments: int) -> List[np.ndarray]:
        flow = 'flow' in self.mode
        fg = self.mode.startswith('fg')
        if keys is None:  # per frame: each view is its own whole clip
            clips = _stack(frames, views)
            rows = [(view, self._motion(view, segments),
                     key_frame_flow(view, range(len(view)), self.flow_size)
                     if flow else None,
                     background(view) if fg else None) for view in clips]
        else:
            clip = _stack(frames, 1)[0]
            # one energy for all views, as the input holds it
            energy = self._motion(clip, segments)
            scene = background(clip) if fg else None
            # every view's key frames at once: their grey frames are shared
            flows = np.split(key_frame_flow(clip, keys, self.flow_size),
                             views) if flow else [None] * views
            rows = [(view, energy, view_flow, scene) for view, view_flow in
                    zip(np.split(clip[keys], views), flows)]
        out = []
        for view, energy, view_flow, scene in rows:
            parts = [view - scene] if fg else \
                [] if self.mode == 'energy' else [view]
            if self.mode == 'rgb+diff+energy':
                parts.append(_temporal_gradient(view, 1, 'diff'))
            if flow:
                parts.append(view_flow)
            parts.append(energy)
            out += list(np.concatenate(parts, axis=-1))
        return out

    def _motion(self, clip: np.ndarray, segments: int) -> np.ndarray:
        """``(segments, H, W, C')`` motion channels of a whole clip, as
        the input holds them: the energy, after the peak in
        ``'rgb+peak+energy'``."""
        energy = [segment_energy(clip, segments)]
        if 'peak' in self.mode:
            energy.insert(0, segment_peak(clip, segments))
        return np.concatenate([self._energy_channels(e) for e in energy],
                              axis=-1)

    def _energy_channels(self, energy: np.ndarray) -> np.ndarray:
        """``(segments, H, W, C)`` energy as the input holds it: less its
        per-channel median when ``noise_floor``, then ``log(1 + e)`` when
        ``log_energy``."""
        if self.noise_floor:
            floor = np.median(energy, axis=(0, 1, 2), keepdims=True)
            energy = np.maximum(energy - floor, 0)
        return np.log1p(energy) if self.log_energy else energy

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(mode={self.mode!r}, '
                f'per_frame={self.per_frame}, flow_size={self.flow_size}, '
                f'log_energy={self.log_energy}, '
                f'noise_floor={self.noise_floor})')
