"""Writing small videos atomically (no partial file is ever left behind)."""
from typing import Sequence

import av
import numpy as np

from .fileio import atomic_path

#: libx264 options of every video we write (see :func:`write_video_atomic`);
#: tools that resume record them, so a change is never mixed with old files.
X264_PARAMS = 'threads=1:mbtree=0'


def write_video_atomic(path: str,
                       frames: Sequence[np.ndarray],
                       fps: int = 25,
                       codec: str = 'libx264',
                       crf: int = 18) -> None:
    """Encode RGB ``frames`` (each HxWx3 uint8, H and W even for
    ``libx264``) to ``path``.

    The file is written to a temporary name in the same folder and renamed
    into place, so a killed process leaves either no file or a complete one.

    ``libx264`` output is byte-for-byte deterministic (the same frames give
    the same file in every run): encoding is single-threaded, and x264's
    macroblock-tree rate control is off (``mbtree=0``). With mbtree on, the
    x264 of the PyAV wheel (av 18.1) encodes small frames differently from
    run to run, even single-threaded and within one process: about half of
    the 16-64 px demo clips came out with other pixels (up to 47 grey
    levels apart) in every generation, so the low-res demo models trained
    on different data each time (tests/utils/test_video_io.py).

    Raises:
        ValueError: no frames, or frames of different shapes / not uint8 RGB.
    """
    if len(frames) == 0:
        raise ValueError(f'{path}: refusing to write a video with no frames')
    h, w = frames[0].shape[:2]
    for i, f in enumerate(frames):
        if f.shape != (h, w, 3) or f.dtype != np.uint8:
            raise ValueError(f'{path}: frame {i} is {f.shape} {f.dtype}, '
                             f'expected ({h}, {w}, 3) uint8')
    with atomic_path(path) as tmp, av.open(tmp, mode='w',
                                       format='mp4') as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = 'yuv420p'
        stream.thread_count = 1
        stream.options = {'crf': str(crf), 'preset': 'veryfast'}
        if codec == 'libx264':
            # mbtree=0: see above (run-to-run differences with mbtree on)
            stream.options['x264-params'] = X264_PARAMS
        for f in frames:
            for packet in stream.encode(
                    av.VideoFrame.from_ndarray(f, format='rgb24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
