"""Video decoding that is exact for tiny clips of any size and length.

Why not decord: decord 0.6.0 (the version mmaction's ``DecordInit`` /
``DecordDecode`` use) fails on every frame width of 24, 48 or 72 px (any
height, any codec): ``DECORDArrayCopyFromTo: The size must exactly match``.
TinyVIRAT crops are 20-128 px, and 75 of the 448 clips of
``tiny_surveillance`` have such a width. The transforms here decode with PyAV
(FFmpeg) instead, keep every decoded frame of a clip (tiny clips are cheap),
count them (``total_frames`` is the real count, not the container's
``nb_frames`` nor the annotation's ``dim``), and convert to RGB only the frames
that were sampled, with FFmpeg's swscale as decord does (equal to decord's
frames where decord works).
"""
import io
import os
import stat
from typing import Dict, List, Optional, Sequence

import av
import numpy as np
from av.video.reformatter import VideoReformatter
from mmcv.transforms import BaseTransform
from mmengine import fileio

from mmaction.registry import TRANSFORMS

__all__ = [
    'TinyVideoReader', 'TinyVideoInit', 'TinyVideoDecode', 'check_video_file',
    'probe_video'
]


def check_video_file(filename: str) -> None:
    """Check that the local file ``filename`` exists and is not empty (one
    ``stat``).

    Raises:
        FileNotFoundError: it does not exist.
        OSError: it is empty (0 bytes) or not a regular file.
    """
    try:
        info = os.stat(filename)
    except FileNotFoundError:
        raise FileNotFoundError(
            f'Video file {filename!r} does not exist.') from None
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f'Video file {filename!r} is not a regular file.')
    if info.st_size == 0:
        raise OSError(f'Video file {filename!r} is empty (0 bytes).')


def _video_stream(container, filename: str):
    if not container.streams.video:
        raise ValueError(f'Video file {filename!r} has no video stream.')
    return container.streams.video[0]


def _check_complete(filename: str, declared: int, packets: int) -> None:
    """A file whose video stream has fewer packets than its header declares
    (``declared`` > 0) was cut short (FFmpeg would silently decode only the
    frames that are there)."""
    if declared and packets < declared:
        raise OSError(
            f'Video file {filename!r} is truncated: its header declares '
            f'{declared} frames but the file holds only {packets}.')


def probe_video(filename: str) -> int:
    """Check the local video ``filename`` without decoding it: not empty, a
    container FFmpeg can read, with a video stream holding every frame its
    header declares. About a third of the time of decoding a tiny clip.

    Returns:
        int: the number of frames (video packets) in the file.

    Raises:
        FileNotFoundError: The file does not exist.
        OSError: The file is empty, not a video container, or truncated.
        ValueError: The file has no video stream or no frame.
    """
    check_video_file(filename)
    try:
        with av.open(filename, mode='r') as container:
            stream = _video_stream(container, filename)
            packets = sum(p.size > 0 for p in container.demux(stream))
            _check_complete(filename, stream.frames, packets)
    except av.FFmpegError as e:
        raise OSError(f'Cannot read video file {filename!r} (corrupt or not '
                      f'a video): {e}') from e
    if packets == 0:
        raise ValueError(f'Video file {filename!r} has no frame.')
    return packets


class TinyVideoReader:
    """All decoded frames of one video, converted to RGB on request.

    The frames are kept in the codec's own pixel format (for H.264 usually
    yuv420p, about 1.5 bytes per pixel), so a 150-frame 128 px clip takes
    about 3.7 MB.

    Args:
        filename (str): Path (or URI, with ``backend_args``) of the video.
        num_threads (int): Decoder threads. Defaults to 1 (fastest for tiny
            clips, and what data-loader workers want).
        backend_args (dict, optional): mmengine file backend arguments, for
            videos that are not on the local disk. Defaults to None.

    Raises:
        FileNotFoundError: The file does not exist (local disk).
        OSError: The file is empty, corrupt, not a video container, or
            truncated (fewer frames than its header declares).
        ValueError: The file has no video stream, no decodable frame, or
            frames of different sizes.
    """

    def __init__(self,
                 filename: str,
                 num_threads: int = 1,
                 backend_args: Optional[dict] = None) -> None:
        self.filename = filename
        self.frames: List[av.VideoFrame] = []
        self.avg_fps: Optional[float] = None
        self._decode_all(num_threads, backend_args)

    def _decode_all(self, num_threads: int,
                    backend_args: Optional[dict]) -> None:
        filename = self.filename
        if backend_args is None:
            check_video_file(filename)
            source = filename
        else:
            data = fileio.get(filename, backend_args=backend_args)
            if len(data) == 0:
                raise OSError(f'Video file {filename!r} is empty (0 bytes).')
            source = io.BytesIO(data)
        try:
            with av.open(source, mode='r') as container:
                stream = _video_stream(container, filename)
                stream.codec_context.thread_count = num_threads
                if stream.average_rate is not None:
                    self.avg_fps = float(stream.average_rate)
                packets = 0
                for packet in container.demux(stream):
                    packets += packet.size > 0  # the last one flushes
                    self.frames.extend(packet.decode())
                _check_complete(filename, stream.frames, packets)
        except av.FFmpegError as e:
            raise OSError(
                f'Cannot decode video file {filename!r} (corrupt or not a '
                f'video): {e}') from e
        if not self.frames:
            raise ValueError(
                f'Video file {filename!r} has no decodable frame.')
        sizes = {(f.height, f.width) for f in self.frames}
        if len(sizes) != 1:
            raise ValueError(
                f'Video file {filename!r} changes its frame size mid-stream '
                f'({sorted(sizes)}); this is not supported.')

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def shape(self) -> tuple:
        """``(height, width)`` of the frames."""
        return (self.frames[0].height, self.frames[0].width)

    def get_batch(self, frame_inds: Sequence[int]) -> np.ndarray:
        """RGB frames at ``frame_inds`` as one ``(N, H, W, 3)`` uint8 array.

        Each distinct index is converted once; repeated indices are copies
        (rows of one new array), so in-place edits of one row never change
        another.

        Args:
            frame_inds (Sequence[int]): 0-based frame indices, any order,
                repeats allowed.

        Returns:
            np.ndarray: ``(len(frame_inds), H, W, 3)`` uint8 RGB frames.

        Raises:
            IndexError: An index is outside ``[0, len(self))``.
        """
        inds = np.asarray(frame_inds, dtype=np.int64).reshape(-1)
        if inds.size == 0:
            raise IndexError(
                f'No frame index given to decode from {self.filename!r}.')
        lo, hi = int(inds.min()), int(inds.max())
        if lo < 0 or hi >= len(self.frames):
            raise IndexError(
                f'Frame index out of range for {self.filename!r}: it has '
                f'{len(self.frames)} frames, got indices from {lo} to {hi}.')
        uniq, inverse = np.unique(inds, return_inverse=True)
        # One reformatter per call keeps swscale's context for the clip.
        reformatter = VideoReformatter()
        rgb = np.stack([
            self._to_rgb(reformatter, self.frames[i]) for i in uniq.tolist()
        ])
        return rgb[inverse.reshape(-1)]

    @staticmethod
    def _to_rgb(reformatter: VideoReformatter,
                frame: av.VideoFrame) -> np.ndarray:
        # src colorspace defaults to the frame's own; pass the range too so
        # full-range (JPEG) YUV is not read as limited range. threads=1:
        # swscale's default (auto) spawns threads per call, which costs ~10x
        # the conversion itself on tiny frames.
        color_range = frame.color_range or None
        return reformatter.reformat(
            frame, format='rgb24', src_color_range=color_range,
            threads=1).to_ndarray()


@TRANSFORMS.register_module()
class TinyVideoInit(BaseTransform):
    """Decode a (tiny) video, and its super-resolved twin, with PyAV.

    Every frame is decoded once and kept (in the codec's pixel format) by a
    :class:`TinyVideoReader`; :class:`TinyVideoDecode` converts the sampled
    ones to RGB. Unlike mmaction's ``DecordInit``, this is correct for every
    frame size (decord 0.6.0 fails on widths 24, 48 and 72), and
    ``total_frames`` is the number of frames really decoded from the file.

    When ``sr_filename`` is in the results (and ``with_sr`` is True), the
    super-resolved clip is decoded too; it must have exactly as many frames
    as the low-resolution clip, since the same frame indices are read from
    both.

    Required Keys:

        - filename
        - sr_filename (optional)

    Added Keys:

        - video_reader
        - total_frames
        - avg_fps
        - sr_video_reader (if ``sr_filename`` is present)
        - sr_total_frames (if ``sr_filename`` is present)

    Args:
        num_threads (int): Decoder threads per video. Defaults to 1.
        with_sr (bool): Decode ``sr_filename`` when it is present. Set False
            for a low-resolution-only pipeline over a dataset that lists SR
            twins. Defaults to True.
        backend_args (dict, optional): mmengine file backend arguments, for
            videos that are not on the local disk. Defaults to None.

    Raises:
        FileNotFoundError: A video file is missing.
        OSError: A video file is empty or corrupt.
        ValueError: A video has no frame, or the SR clip's frame count
            differs from the LR clip's.
    """

    def __init__(self,
                 num_threads: int = 1,
                 with_sr: bool = True,
                 backend_args: Optional[dict] = None) -> None:
        if not isinstance(num_threads, int) or num_threads < 0:
            raise ValueError('`num_threads` should be a non-negative int '
                             f'(0 = automatic), but got {num_threads!r}.')
        self.num_threads = num_threads
        self.with_sr = with_sr
        self.backend_args = backend_args

    def _open(self, filename: str) -> TinyVideoReader:
        return TinyVideoReader(
            filename,
            num_threads=self.num_threads,
            backend_args=self.backend_args)

    def transform(self, results: Dict) -> Dict:
        """Decode the video(s) and set ``total_frames``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        if 'filename' not in results:
            raise KeyError('TinyVideoInit needs the key `filename` in the '
                           'results.')
        reader = self._open(results['filename'])
        results['video_reader'] = reader
        results['total_frames'] = len(reader)
        results['avg_fps'] = reader.avg_fps

        sr_filename = results.get('sr_filename')
        if self.with_sr and sr_filename is not None:
            sr_reader = self._open(sr_filename)
            if len(sr_reader) != len(reader):
                raise ValueError(
                    f'The super-resolved clip {sr_filename!r} has '
                    f'{len(sr_reader)} frames but the low-resolution clip '
                    f'{results["filename"]!r} has {len(reader)}; paired '
                    'clips must have the same frames.')
            results['sr_video_reader'] = sr_reader
            results['sr_total_frames'] = len(sr_reader)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_threads={self.num_threads}, '
                f'with_sr={self.with_sr}, '
                f'backend_args={self.backend_args})')


@TRANSFORMS.register_module()
class TinyVideoDecode(BaseTransform):
    """Gather the RGB frames at ``frame_inds`` (and the same ones of the SR
    clip).

    ``imgs`` (and ``sr_imgs``) are lists of ``H x W x 3`` uint8 RGB arrays,
    one per index of ``frame_inds`` in order, as mmaction's ``DecordDecode``
    gives them; repeated indices give separate arrays. The readers are
    released afterwards.

    Required Keys:

        - video_reader
        - frame_inds
        - sr_video_reader (optional)

    Added Keys:

        - imgs
        - original_shape
        - img_shape
        - sr_imgs (if ``sr_video_reader`` is present)
        - sr_original_shape (if ``sr_video_reader`` is present)
        - sr_img_shape (if ``sr_video_reader`` is present)

    Modified Keys:

        - video_reader (set to None)
        - sr_video_reader (set to None)
        - frame_inds (flattened to 1-D)
    """

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'

    def transform(self, results: Dict) -> Dict:
        """Convert the sampled frames to RGB.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        reader = results.get('video_reader')
        if not isinstance(reader, TinyVideoReader):
            raise KeyError(
                'TinyVideoDecode needs `video_reader` from TinyVideoInit in '
                f'the results, but got {type(reader).__name__}.')
        if 'frame_inds' not in results:
            raise KeyError('TinyVideoDecode needs `frame_inds` (from a frame '
                           'sampler such as UniformSegment) in the results.')
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        results['frame_inds'] = frame_inds

        imgs = reader.get_batch(frame_inds)
        results['imgs'] = list(imgs)
        results['original_shape'] = imgs.shape[1:3]
        results['img_shape'] = imgs.shape[1:3]
        results['video_reader'] = None

        sr_reader = results.get('sr_video_reader')
        if sr_reader is not None:
            sr_imgs = sr_reader.get_batch(frame_inds)
            results['sr_imgs'] = list(sr_imgs)
            results['sr_original_shape'] = sr_imgs.shape[1:3]
            results['sr_img_shape'] = sr_imgs.shape[1:3]
            results['sr_video_reader'] = None
        return results
