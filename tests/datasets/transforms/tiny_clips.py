"""Helpers of the transform tests: tiny videos written at test time (known
frames, several codecs) and the shared real-data folder.

Imported by the test modules as ``tiny_clips`` (pytest puts this folder on
``sys.path``; a plain module, not ``conftest``, whose name other test folders
may reuse)."""
import os
from pathlib import Path
from typing import Optional

import av
import numpy as np
import pytest

import tiny_action  # noqa: F401  (compat shims + registration first)

#: ``<repo>/../shared/data``
SHARED_DATA = Path(__file__).resolve().parents[3] / '..' / 'shared' / 'data'

#: (container extension, codec, pixel format, codec options, lossless in RGB)
CODECS = {
    # RGB-lossless: decoded frames must equal the written ones exactly.
    'x264rgb': ('mkv', 'libx264rgb', 'rgb24', {'crf': '0'}, True),
    'ffv1': ('mkv', 'ffv1', 'bgr0', None, True),
    # What TinyVIRAT ships: H.264 yuv420p in mp4 (even sizes only).
    'h264': ('mp4', 'libx264', 'yuv420p', None, False),
}


def frame_pattern(index: int, height: int, width: int) -> np.ndarray:
    """A known RGB frame: horizontal / vertical ramps in R / G, a per-frame
    constant in B and a white 4x4 marker that moves with ``index``; every
    frame of a clip up to 256 frames is different."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.empty((height, width, 3), np.uint8)
    img[..., 0] = x * 255 // max(width - 1, 1)
    img[..., 1] = y * 255 // max(height - 1, 1)
    img[..., 2] = (index * 37) % 256
    bx = (index * 5) % max(width - 4, 1)
    img[2:6, bx:bx + 4] = 255
    return img


def write_video(path: Path,
                num_frames: int,
                height: int,
                width: int,
                codec: str = 'x264rgb',
                frames: Optional[np.ndarray] = None) -> Path:
    """Write ``num_frames`` frames (``frame_pattern`` unless given) with one of
    :data:`CODECS`; returns the path with the codec's extension."""
    ext, name, pix_fmt, options, _ = CODECS[codec]
    path = Path(path).with_suffix('.' + ext)
    with av.open(str(path), 'w') as container:
        stream = container.add_stream(name, rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if options:
            stream.options = options
        for i in range(num_frames):
            img = (frame_pattern(i, height, width)
                   if frames is None else frames[i])
            for packet in stream.encode(
                    av.VideoFrame.from_ndarray(img, format='rgb24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def shared_data_dir(*parts: str) -> Path:
    """``<repo>/../shared/data/<parts>``; skips when absent, except under
    ``CI=true`` where a missing folder fails the test."""
    path = SHARED_DATA.joinpath(*parts).resolve()
    if not path.is_dir():
        msg = (f'shared real data folder {path} is absent (it should sit '
               'beside the repo as ../shared/data)')
        if os.environ.get('CI', '').lower() == 'true':
            pytest.fail(msg + ' and CI=true requires it')
        pytest.skip(msg)
    return path
