"""A long video made of several short clips (for the windowed inference
demo and benchmark)."""
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from tiny_action.datasets.transforms import TinyVideoReader
from tiny_action.utils.video_io import write_video_atomic

__all__ = ['concat_clips']


def concat_clips(paths: Sequence[str], out: str, size: int = 64,
                 fps: int = 25) -> List[Tuple[str, int, int]]:
    """Decode ``paths`` in order, resize every frame to ``size`` x ``size``
    (clips of different sizes fit one stream), and write them one after the
    other to ``out`` (H.264, atomically).

    Args:
        paths (Sequence[str]): The clips.
        out (str): The long video.
        size (int): Frame side (even). Defaults to 64.
        fps (int): Frame rate. Defaults to 25.

    Returns:
        list[tuple[str, int, int]]: ``(clip, start, end)`` frames of each
        clip in the long video (end excluded).
    """
    if size < 2 or size % 2:
        raise ValueError(f'`size` should be an even int >= 2, but got {size}')
    frames, segments = [], []
    for path in paths:
        reader = TinyVideoReader(path)
        rgb = reader.get_batch(np.arange(len(reader)))
        segments.append((path, len(frames), len(frames) + len(rgb)))
        frames += [cv2.resize(f, (size, size), interpolation=cv2.INTER_LINEAR)
                   for f in rgb]
    write_video_atomic(out, frames, fps=fps)
    return segments
