"""Splitting long clips into overlapping windows of bounded length, and
stitching the windows' outputs back into one clip."""
import math
from typing import List, Optional, Tuple

__all__ = ['plan_windows', 'stitch_ranges']


def plan_windows(num_frames: int,
                 max_frames: Optional[int],
                 overlap: int = 0) -> List[Tuple[int, int]]:
    """Windows ``[start, end)`` covering ``num_frames`` frames.

    A clip of at most ``max_frames`` frames is one window. A longer clip is
    cut into the fewest windows of at most ``max_frames`` frames whose
    neighbours share at least ``overlap`` frames; all windows of a clip have
    the same length (so they can share one batch) and are spread evenly, the
    first starting at 0 and the last ending at ``num_frames``.

    Args:
        num_frames (int): Frames of the clip (>= 1).
        max_frames (int, optional): Longest window; None for no limit.
        overlap (int): Frames shared by neighbouring windows, so that the
            recurrent propagation has context at every cut. Defaults to 0.

    Returns:
        list[tuple[int, int]]: The windows, in time order.

    Raises:
        ValueError: ``num_frames < 1``, ``max_frames < 1``, or ``overlap``
            not in ``[0, max_frames)``.
    """
    if num_frames < 1:
        raise ValueError(f'a clip needs at least 1 frame, got {num_frames}')
    if max_frames is None or num_frames <= max_frames:
        if max_frames is not None and max_frames < 1:
            raise ValueError(f'`max_frames` should be >= 1, got {max_frames}')
        return [(0, num_frames)]
    if max_frames < 1:
        raise ValueError(f'`max_frames` should be >= 1, got {max_frames}')
    if not 0 <= overlap < max_frames:
        raise ValueError(f'`overlap` should be in [0, max_frames='
                         f'{max_frames}), but got {overlap}')
    total, step_max = num_frames, max_frames - overlap
    count = math.ceil((total - overlap) / step_max)
    length = math.ceil((total + (count - 1) * overlap) / count)
    while True:  # integer starts may shave one frame off an overlap
        starts = [j * (total - length) // (count - 1) for j in range(count)]
        if all(b - a <= length - overlap
               for a, b in zip(starts, starts[1:])) or length >= max_frames:
            break
        length += 1
    return [(s, s + length) for s in starts]


def stitch_ranges(windows: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """The frames ``[a, b)`` of the clip each window provides: overlaps are
    cut in their middle, so every frame comes from exactly one window and is
    as far from that window's ends as possible."""
    ranges = []
    for j, (start, end) in enumerate(windows):
        a = start if j == 0 else (start + windows[j - 1][1]) // 2
        b = end if j == len(windows) - 1 else (windows[j + 1][0] + end) // 2
        ranges.append((a, b))
    return ranges
