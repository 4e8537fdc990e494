"""Batched video super-resolution (RealBasicVSR, or a trained DVSR) over
many small clips.

Clips are cut into windows (:func:`~tiny_action.tools.super_resolution.temporal.plan_windows`);
windows of equal ``(height, width, frames)`` are stacked into one forward
(up to ``batch_size`` windows and ``max_batch_pixels`` input pixels). Nothing
is padded: every window is super-resolved exactly as it would be alone (see
:func:`~tiny_action.tools.super_resolution.realbasicvsr.realbasicvsr_forward`), so a clip's
output depends neither on the clips batched with it nor on how the dataset
is sharded, up to float rounding.
"""
from collections import OrderedDict
from typing import Callable, Dict, Hashable, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .realbasicvsr import realbasicvsr_forward
from .temporal import plan_windows, stitch_ranges

__all__ = ['SRBatcher']


class _Clip:
    __slots__ = ('key', 'frames', 'windows', 'ranges', 'out', 'remaining')

    def __init__(self, key: Hashable, frames: np.ndarray,
                 windows: List[Tuple[int, int]]) -> None:
        self.key = key
        self.frames = frames
        self.windows = windows
        self.ranges = stitch_ranges(windows)
        self.out: Optional[np.ndarray] = None
        self.remaining = len(windows)


class SRBatcher:
    """Super-resolve clips (``(T, h, w, 3)`` uint8 RGB) with batched
    forwards; finished clips come back as ``(T, H, W, 3)`` uint8 RGB.

    Feed clips with :meth:`add` (it returns the clips that got finished on
    the way) and call :meth:`flush` at the end.

    Args:
        net (nn.Module): mmagic's ``RealBasicVSRNet`` (x4), on ``device``
            (or any network that ``forward`` runs).
        device (str | torch.device): Where the forward runs.
        out_size (tuple[int, int], optional): ``(H, W)`` of the output; the
            network's output is resized to it (bicubic, antialiased). None
            keeps the network's size.
        max_frames (int, optional): Longest window fed to the net; longer
            clips are cut into overlapping windows. None: whole clips.
        overlap (int): Frames shared by neighbouring windows.
        batch_size (int): Most windows per forward.
        max_batch_pixels (int): Most input pixels (``n * t * h * w``) per
            forward; a single window larger than this still runs alone.
        lookahead (int): Most clips held while waiting for batch mates of the
            same size; beyond it the batch of the oldest clip runs
            partially filled.
        forward (Callable, optional): ``forward(net, x)`` maps ``(n, t, 3,
            h, w)`` windows in [0, 1] to ``(n, t, 3, H, W)``. Defaults to
            None (:func:`realbasicvsr_forward`).
        native_size (Callable, optional): ``(h, w) -> (H, W)``, the size of
            the network's output. Defaults to None (x4, RealBasicVSR's).
    """

    def __init__(self,
                 net: nn.Module,
                 device='cpu',
                 out_size: Optional[Tuple[int, int]] = (224, 224),
                 max_frames: Optional[int] = 32,
                 overlap: int = 4,
                 batch_size: int = 8,
                 max_batch_pixels: int = 1 << 20,
                 lookahead: int = 64,
                 forward: Optional[Callable] = None,
                 native_size: Optional[Callable] = None) -> None:
        for name, value in (('batch_size', batch_size),
                            ('max_batch_pixels', max_batch_pixels),
                            ('lookahead', lookahead)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'`{name}` should be an int >= 1, but got '
                                 f'{value!r}')
        if out_size is not None:
            out_size = tuple(int(s) for s in out_size)
            if len(out_size) != 2 or min(out_size) < 1:
                raise ValueError('`out_size` should be (height, width) or '
                                 f'None, but got {out_size!r}')
        plan_windows(1, max_frames, overlap)  # checks the arguments
        if max_frames is not None and not 0 <= overlap < max_frames:
            raise ValueError(f'`overlap` should be in [0, max_frames='
                             f'{max_frames}), but got {overlap}')
        self.net = net
        self.device = torch.device(device)
        self.out_size = out_size
        self.max_frames = max_frames
        self.overlap = overlap
        self.batch_size = batch_size
        self.max_batch_pixels = max_batch_pixels
        self.lookahead = lookahead
        self.forward = forward or realbasicvsr_forward
        self.native_size = native_size or (lambda h, w: (4 * h, 4 * w))
        # (h, w, t) -> pending (clip, window index), in arrival order
        self._groups: Dict[Tuple[int, int, int],
                           List[Tuple[_Clip, int]]] = OrderedDict()
        self._clips: Dict[Hashable, _Clip] = OrderedDict()  # in flight
        self.num_forwards = 0
        self.num_window_frames = 0

    # ----------------------------------------------------------------- API
    def output_size(self, height: int, width: int) -> Tuple[int, int]:
        """``(H, W)`` of the output for an input of ``height x width``."""
        return self.out_size or tuple(self.native_size(height, width))

    def add(self, key: Hashable,
            frames: np.ndarray) -> List[Tuple[Hashable, np.ndarray]]:
        """Queue one clip; run the batches that are full.

        Args:
            key: Any unique identifier, given back with the output.
            frames (np.ndarray): ``(T, h, w, 3)`` uint8 RGB, T >= 1.

        Returns:
            list: ``(key, (T, H, W, 3) uint8)`` of the clips finished now.
        """
        if (not isinstance(frames, np.ndarray) or frames.ndim != 4
                or frames.shape[-1] != 3 or frames.dtype != np.uint8
                or len(frames) == 0):
            raise ValueError(
                f'clip {key!r}: expected (T >= 1, h, w, 3) uint8 RGB frames, '
                f'got {getattr(frames, "shape", None)} '
                f'{getattr(frames, "dtype", type(frames).__name__)}')
        if key in self._clips:
            raise ValueError(f'clip {key!r} is already queued')
        t, h, w = frames.shape[:3]
        clip = _Clip(key, frames, plan_windows(t, self.max_frames,
                                               self.overlap))
        self._clips[key] = clip
        length = clip.windows[0][1] - clip.windows[0][0]
        group = self._groups.setdefault((h, w, length), [])
        group.extend((clip, j) for j in range(len(clip.windows)))

        finished = []
        for gkey in list(self._groups):
            while len(self._groups.get(gkey, ())) >= self._capacity(gkey):
                finished += self._run(gkey)
        while len(self._clips) > self.lookahead:
            oldest = next(iter(self._clips.values()))
            finished += self._run(self._group_of(oldest))
        return finished

    def flush(self) -> List[Tuple[Hashable, np.ndarray]]:
        """Run every pending window; returns the clips finished."""
        finished = []
        while self._clips:
            oldest = next(iter(self._clips.values()))
            finished += self._run(self._group_of(oldest))
        return finished

    def drop(self, key: Hashable) -> None:
        """Forget a queued clip (e.g. after an error elsewhere)."""
        clip = self._clips.pop(key, None)
        if clip is None:
            return
        for gkey in list(self._groups):
            self._groups[gkey] = [(c, j) for c, j in self._groups[gkey]
                                  if c is not clip]
            if not self._groups[gkey]:
                del self._groups[gkey]

    @torch.no_grad()
    def super_resolve(self, windows: np.ndarray) -> np.ndarray:
        """One forward: ``(n, t, h, w, 3)`` uint8 -> ``(n, t, H, W, 3)``
        uint8 (by the net, then resized to ``out_size``)."""
        n, t, h, w, _ = windows.shape
        x = torch.from_numpy(np.ascontiguousarray(windows)).to(self.device)
        x = x.permute(0, 1, 4, 2, 3).float().div_(255.)
        y = self.forward(self.net, x)
        y = y.reshape(n * t, 3, y.shape[-2], y.shape[-1])
        out_h, out_w = self.output_size(h, w)
        if (y.shape[-2], y.shape[-1]) != (out_h, out_w):
            y = F.interpolate(y, size=(out_h, out_w), mode='bicubic',
                              align_corners=False, antialias=True)
        y = y.clamp_(0, 1).mul_(255.).round_().to(torch.uint8)
        self.num_forwards += 1
        self.num_window_frames += n * t
        return y.view(n, t, 3, out_h, out_w).permute(0, 1, 3, 4,
                                                    2).cpu().numpy()

    # ------------------------------------------------------------ helpers
    def _capacity(self, gkey: Tuple[int, int, int]) -> int:
        h, w, t = gkey
        return max(1, min(self.batch_size,
                          self.max_batch_pixels // (h * w * t)))

    def _group_of(self, clip: _Clip) -> Tuple[int, int, int]:
        t, h, w = clip.frames.shape[:3]
        return (h, w, clip.windows[0][1] - clip.windows[0][0])

    def _run(self, gkey: Tuple[int, int, int]
             ) -> List[Tuple[Hashable, np.ndarray]]:
        group = self._groups[gkey]
        take, rest = group[:self._capacity(gkey)], group[self._capacity(gkey):]
        if rest:
            self._groups[gkey] = rest
        else:
            del self._groups[gkey]
        batch = np.stack([
            clip.frames[clip.windows[j][0]:clip.windows[j][1]]
            for clip, j in take
        ])
        outputs = self.super_resolve(batch)
        finished = []
        for (clip, j), out in zip(take, outputs):
            start = clip.windows[j][0]
            a, b = clip.ranges[j]
            if clip.out is None:
                clip.out = np.empty((len(clip.frames), ) + out.shape[1:],
                                    np.uint8)
            clip.out[a:b] = out[a - start:b - start]
            clip.remaining -= 1
            if clip.remaining == 0:
                del self._clips[clip.key]
                finished.append((clip.key, clip.out))
        return finished
