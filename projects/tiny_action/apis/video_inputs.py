"""Inference inputs: video files, folders of videos, frame arrays, and the
windows of long videos (decoded as a stream, so memory stays bounded)."""
import os
import os.path as osp
from collections import deque
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import av
import numpy as np

from tiny_action.datasets.transforms import TinyVideoReader

__all__ = [
    'VIDEO_EXTENSIONS', 'InferenceInput', 'InferenceInputError',
    'FramesReader', 'ArrayReader', 'expand_inputs', 'window_bounds',
    'iter_video_windows', 'iter_array_windows'
]

#: file name endings listed from a folder (a file given by name is always
#: tried, whatever its ending).
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v', '.mpg',
                    '.mpeg', '.wmv', '.flv', '.ts')

#: what a bad input file raises while it is decoded and transformed.
INPUT_ERRORS = (OSError, ValueError, IndexError, av.FFmpegError)


class InferenceInputError(ValueError):
    """An input could not be read; the message names it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f'cannot run inference on {name}: {reason}')
        self.name = name
        self.reason = reason


@dataclass
class InferenceInput:
    """One input of the inferencer.

    Attributes:
        name (str): The path, or ``<array i>`` for an array.
        source (str | np.ndarray): What is decoded: a path, or ``(T, H, W,
            3)`` uint8 RGB frames.
        error (str, optional): Why it cannot be read, when known before
            decoding (e.g. a folder without videos).
    """
    name: str
    source: Union[str, np.ndarray]
    error: Optional[str] = None


def _list_videos(folder: str) -> List[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found += [osp.join(root, f) for f in sorted(files)
                  if f.lower().endswith(VIDEO_EXTENSIONS)]
    return found


def _check_array(i: int, frames: np.ndarray) -> Optional[str]:
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        return ('frames should be a (T, H, W, 3) uint8 RGB array, but got '
                f'{frames.dtype} of shape {frames.shape}')
    if frames.shape[0] == 0:
        return 'the array has no frame'
    return None


def expand_inputs(
        inputs: Union[str, np.ndarray, Sequence[Union[str, np.ndarray]]]
) -> List[InferenceInput]:
    """List the inputs: each folder becomes its video files (recursively,
    sorted; by :data:`VIDEO_EXTENSIONS`), a path stays as it is (a missing
    one fails when it is decoded), an array is one clip.

    Args:
        inputs: A path, a ``(T, H, W, 3)`` uint8 RGB array, or a list of them.

    Returns:
        list[InferenceInput]: In input order; a folder without video files
        is one entry whose ``error`` says so.
    """
    if isinstance(inputs, (str, os.PathLike, np.ndarray)):
        inputs = [inputs]
    out = []
    for i, item in enumerate(inputs):
        if isinstance(item, np.ndarray):
            out.append(InferenceInput(f'<array {i}>', item,
                                      _check_array(i, item)))
        elif isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            if not osp.isdir(path):
                out.append(InferenceInput(path, path))
                continue
            videos = _list_videos(path)
            if not videos:
                out.append(InferenceInput(
                    path, path, f'folder {path} holds no video file (ending '
                    f'in one of {", ".join(VIDEO_EXTENSIONS)})'))
            out += [InferenceInput(v, v) for v in videos]
        else:
            raise TypeError('inputs should be paths or frame arrays, but '
                            f'input {i} is {type(item).__name__}')
    return out


class FramesReader(TinyVideoReader):
    """A :class:`TinyVideoReader` over frames decoded elsewhere (one window
    of a stream): the test pipeline's decode step reads it like a whole
    clip, converting the sampled frames to RGB the same way.

    Args:
        filename (str): The video the frames come from (for messages).
        frames (Sequence[av.VideoFrame]): The frames, in order.
        avg_fps (float, optional): Frame rate of the video.
    """

    def __init__(self, filename: str, frames: Sequence[av.VideoFrame],
                 avg_fps: Optional[float] = None) -> None:
        # nothing to decode: the frames are given (no super().__init__)
        self.filename = filename
        self.frames = list(frames)
        self.avg_fps = avg_fps


class ArrayReader(TinyVideoReader):
    """A :class:`TinyVideoReader` over ``(T, H, W, 3)`` uint8 RGB frames.

    Args:
        name (str): Name of the array (for messages).
        frames (np.ndarray): The frames.
        avg_fps (float, optional): Frame rate. Defaults to None.
    """

    def __init__(self, name: str, frames: np.ndarray,
                 avg_fps: Optional[float] = None) -> None:
        # nothing to decode: the frames are given (no super().__init__)
        self.filename = name
        self.frames = frames
        self.avg_fps = avg_fps

    @property
    def shape(self) -> tuple:
        """``(height, width)`` of the frames."""
        return tuple(self.frames.shape[1:3])

    def get_batch(self, frame_inds: Sequence[int]) -> np.ndarray:
        """Copies of the frames at ``frame_inds`` (see
        :meth:`TinyVideoReader.get_batch`)."""
        inds = np.asarray(frame_inds, dtype=np.int64).reshape(-1)
        if inds.size == 0 or inds.min() < 0 or inds.max() >= len(self):
            raise IndexError(f'frame indices {inds.tolist()[:8]} out of range '
                             f'for {self.filename} ({len(self)} frames)')
        return self.frames[inds].copy()


def window_bounds(total: int, window: int, stride: int
                  ) -> List[Tuple[int, int]]:
    """``[start, end)`` of the windows of a ``total``-frame video: starts
    0, ``stride``, ``2 * stride``, ... while the window fits, plus one last
    window ending at the last frame when the regular ones miss the tail; a
    video of at most ``window`` frames is one window."""
    if total <= window:
        return [(0, total)]
    bounds = [(s, s + window) for s in range(0, total - window + 1, stride)]
    if bounds[-1][1] < total:
        bounds.append((total - window, total))
    return bounds


def iter_array_windows(name: str, frames: np.ndarray, window: int,
                       stride: int) -> Iterator[Tuple[int, int, ArrayReader]]:
    """``(start, end, reader)`` of each window of an array."""
    for start, end in window_bounds(len(frames), window, stride):
        yield start, end, ArrayReader(name, frames[start:end])


def _open_stream(path: str):
    if not osp.isfile(path):
        raise FileNotFoundError(f'Video file {path!r} does not exist.')
    if osp.getsize(path) == 0:
        raise OSError(f'Video file {path!r} is empty (0 bytes).')
    container = av.open(path, mode='r')
    if not container.streams.video:
        container.close()
        raise ValueError(f'Video file {path!r} has no video stream.')
    return container


def _decoded_frames(path: str, num_threads: int
                    ) -> Iterator[Tuple[av.VideoFrame, Optional[float]]]:
    """Every frame of ``path`` in order, decoded one at a time, with the
    stream's average frame rate; errors name the file."""
    try:
        with _open_stream(path) as container:
            stream = container.streams.video[0]
            stream.codec_context.thread_count = num_threads
            fps = (float(stream.average_rate)
                   if stream.average_rate is not None else None)
            size = None
            for frame in container.decode(stream):
                if size is None:
                    size = (frame.height, frame.width)
                elif (frame.height, frame.width) != size:
                    raise ValueError(
                        f'Video file {path!r} changes its frame size '
                        f'mid-stream ({size} then {(frame.height, frame.width)}'
                        '); this is not supported.')
                yield frame, fps
    except av.FFmpegError as e:
        raise OSError(f'Cannot decode video file {path!r} (corrupt or not a '
                      f'video): {e}') from e


def iter_video_windows(path: str, window: int, stride: int,
                       num_threads: int = 1
                       ) -> Iterator[Tuple[int, int, FramesReader]]:
    """``(start, end, reader)`` of each window of a video file, as in
    :func:`window_bounds`, decoding the file once as a stream and keeping at
    most ``window`` frames in memory.

    Raises:
        FileNotFoundError: The file does not exist.
        OSError: The file is empty or corrupt.
        ValueError: No video stream, no decodable frame, or a frame size
            change.
    """
    buf: deque = deque(maxlen=window)
    fps, count, last_end = None, 0, 0
    for frame, fps in _decoded_frames(path, num_threads):
        buf.append(frame)
        count += 1
        start = count - window
        if start >= 0 and start % stride == 0:
            last_end = count
            yield start, count, FramesReader(path, buf, fps)
    if count == 0:
        raise ValueError(f'Video file {path!r} has no decodable frame.')
    if last_end < count:  # shorter than a window, or the tail
        yield max(0, count - window), count, FramesReader(path, buf, fps)
