"""TinyVideoInit / TinyVideoDecode: exact frames for every tiny size and
length, checked against the written frames (RGB-lossless codecs) and against
an independent decoder, OpenCV's ``VideoCapture`` (H.264 yuv420p)."""
import json
from pathlib import Path
from typing import Optional, Set, Tuple

import av
import cv2
import numpy as np
import pytest
from conftest import shared_data_dir, write_mjpeg_avi
from mmaction.registry import TRANSFORMS

from tiny_action.datasets.transforms import (TinyVideoDecode, TinyVideoInit,
                                             TinyVideoReader, probe_video)
from tiny_action.testing import frame_pattern, write_video


def decode_all(path: Path, **results) -> dict:
    """Init + decode every frame in order."""
    results = TinyVideoInit()(dict(filename=str(path), **results))
    results['frame_inds'] = np.arange(results['total_frames'])
    return TinyVideoDecode()(results)


def opencv_frames(path: Path,
                  keep: Optional[Set[int]] = None) -> Tuple[np.ndarray, int]:
    """Frames (all, or those in ``keep``) read in order by OpenCV's own
    FFmpeg build, as RGB."""
    cap = cv2.VideoCapture(str(path))
    frames, i = [], 0
    while cap.grab():
        if keep is None or i in keep:
            frame = cap.retrieve()[1]
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        i += 1
    cap.release()
    return np.stack(frames), i


def truth(num_frames: int, height: int, width: int) -> np.ndarray:
    return np.stack(
        [frame_pattern(i, height, width) for i in range(num_frames)])


# Every size from 20 to 128 px, square and not, odd and even. Widths 24, 48
# and 72 are those where decord 0.6.0 fails.
SIZES = [(s, s) for s in range(20, 129)] + [(20, 127), (127, 20), (37, 24),
                                            (24, 37), (48, 21), (113, 72)]


@pytest.mark.parametrize('codec', ['x264rgb', 'ffv1'])
def test_lossless_every_size_exact(tmp_path, codec):
    """Every frame size 20..128: decoded frames equal the written ones."""
    for k, (h, w) in enumerate(SIZES):
        num_frames = (1, 2, 3)[k % 3]
        path = write_video(tmp_path / f'{k}', num_frames, h, w, codec)
        results = decode_all(path)
        assert results['total_frames'] == num_frames, (h, w)
        assert results['img_shape'] == (h, w)
        assert results['original_shape'] == (h, w)
        imgs = np.stack(results['imgs'])
        assert imgs.dtype == np.uint8 and imgs.shape == (num_frames, h, w, 3)
        np.testing.assert_array_equal(
            imgs, truth(num_frames, h, w), err_msg=f'{codec} {h}x{w}')


@pytest.mark.parametrize('num_frames', [1, 2, 3, 16, 150])
@pytest.mark.parametrize('size', [(20, 20), (24, 24), (33, 47), (72, 72),
                                  (128, 128)])
def test_lossless_every_frame_count_exact(tmp_path, num_frames, size):
    h, w = size
    path = write_video(tmp_path / 'v', num_frames, h, w, 'x264rgb')
    results = decode_all(path)
    assert results['total_frames'] == num_frames
    np.testing.assert_array_equal(
        np.stack(results['imgs']), truth(num_frames, h, w))
    # random access, any order, repeats
    rng = np.random.default_rng(num_frames)
    inds = rng.integers(0, num_frames, size=40)
    reader = TinyVideoReader(str(path))
    np.testing.assert_array_equal(
        reader.get_batch(inds), truth(num_frames, h, w)[inds])


def test_h264_every_even_size_matches_opencv(tmp_path):
    """H.264 yuv420p mp4 (what TinyVIRAT ships; even sizes only): equal to
    OpenCV's decoder, frame count included, and frame ``i`` is the one
    written as frame ``i``."""
    for s in range(20, 129, 2):
        h, w = s, (s + 2 * (s % 3)) if s < 126 else s
        num_frames = 3 if s % 4 else 5
        path = write_video(tmp_path / f'{s}', num_frames, h, w, 'h264')
        ref, _ = opencv_frames(path)
        results = decode_all(path)
        imgs = np.stack(results['imgs'])
        assert results['total_frames'] == len(ref) == num_frames
        np.testing.assert_array_equal(imgs, ref, err_msg=f'{h}x{w}')
        # identity: the nearest written frame of decoded frame i is frame i
        gt = truth(num_frames, h, w).astype(np.float32)
        err = ((imgs[:, None].astype(np.float32) - gt[None])**2).mean(
            axis=(2, 3, 4))
        np.testing.assert_array_equal(err.argmin(axis=1),
                                      np.arange(num_frames))


@pytest.mark.parametrize('num_frames', [1, 2, 3, 16, 150])
def test_h264_frame_counts_match_opencv(tmp_path, num_frames):
    path = write_video(tmp_path / 'v', num_frames, 24, 24, 'h264')
    ref, _ = opencv_frames(path)
    results = decode_all(path)
    assert results['total_frames'] == len(ref) == num_frames
    np.testing.assert_array_equal(np.stack(results['imgs']), ref)


def test_sr_twin_same_indices(tmp_path):
    lr = write_video(tmp_path / 'lr', 17, 24, 24, 'x264rgb')
    sr = write_video(tmp_path / 'sr', 17, 96, 96, 'ffv1')
    results = TinyVideoInit()(dict(filename=str(lr), sr_filename=str(sr)))
    assert results['total_frames'] == results['sr_total_frames'] == 17
    inds = np.array([16, 0, 3, 3, 9], dtype=np.int32)
    results['frame_inds'] = inds
    results = TinyVideoDecode()(results)
    np.testing.assert_array_equal(
        np.stack(results['imgs']), truth(17, 24, 24)[inds])
    np.testing.assert_array_equal(
        np.stack(results['sr_imgs']), truth(17, 96, 96)[inds])
    assert results['sr_img_shape'] == (96, 96)
    assert results['video_reader'] is None
    assert results['sr_video_reader'] is None


def test_sr_ignored_when_disabled(tmp_path):
    lr = write_video(tmp_path / 'lr', 3, 24, 24)
    results = TinyVideoInit(with_sr=False)(
        dict(filename=str(lr), sr_filename=str(tmp_path / 'missing.mp4')))
    assert 'sr_video_reader' not in results


def test_sr_frame_count_mismatch_names_both_files(tmp_path):
    lr = write_video(tmp_path / 'lr', 5, 24, 24)
    sr = write_video(tmp_path / 'sr', 6, 48, 48)
    with pytest.raises(ValueError, match=r'sr\.mkv.*6 frames.*lr\.mkv.* 5'):
        TinyVideoInit()(dict(filename=str(lr), sr_filename=str(sr)))


def test_repeated_indices_are_separate_arrays(tmp_path):
    path = write_video(tmp_path / 'v', 2, 20, 20)
    results = TinyVideoInit()(dict(filename=str(path)))
    results['frame_inds'] = np.array([0] * 8 + [1] * 8)
    imgs = TinyVideoDecode()(results)['imgs']
    assert len(imgs) == 16
    imgs[0][:] = 0  # an in-place edit (like mmaction's Flip) of one frame
    np.testing.assert_array_equal(imgs[1], frame_pattern(0, 20, 20))


def test_built_from_registry(tmp_path):
    path = write_video(tmp_path / 'v', 4, 20, 22)
    init = TRANSFORMS.build(dict(type='TinyVideoInit', num_threads=1))
    decode = TRANSFORMS.build(dict(type='TinyVideoDecode'))
    results = init(dict(filename=str(path)))
    results['frame_inds'] = np.array([[1, 2]])  # 2-D is flattened
    results = decode(results)
    assert len(results['imgs']) == 2 and results['frame_inds'].ndim == 1
    assert 'TinyVideoInit(num_threads=1' in repr(init)


# ----------------------------------------------------------------- errors
def test_missing_file(tmp_path):
    missing = tmp_path / 'nope.mp4'
    with pytest.raises(FileNotFoundError, match='nope.mp4'):
        TinyVideoInit()(dict(filename=str(missing)))


def test_missing_sr_file(tmp_path):
    lr = write_video(tmp_path / 'lr', 3, 24, 24)
    with pytest.raises(FileNotFoundError, match='sr_nope.mp4'):
        TinyVideoInit()(
            dict(filename=str(lr), sr_filename=str(tmp_path / 'sr_nope.mp4')))


def test_empty_file(tmp_path):
    empty = tmp_path / 'empty.mp4'
    empty.write_bytes(b'')
    with pytest.raises(OSError, match=r'empty\.mp4.*empty'):
        TinyVideoInit()(dict(filename=str(empty)))


def test_corrupt_file(tmp_path):
    bad = tmp_path / 'garbage.mp4'
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(OSError, match=r'garbage\.mp4.*corrupt'):
        TinyVideoInit()(dict(filename=str(bad)))


def test_truncated_file(tmp_path):
    """A cut-off mp4 (moov atom at the end is lost) is a clear error."""
    path = write_video(tmp_path / 'v', 16, 32, 32, 'h264')
    cut = tmp_path / 'cut.mp4'
    cut.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    with pytest.raises((OSError, ValueError), match=r'cut\.mp4'):
        TinyVideoInit()(dict(filename=str(cut)))


def test_truncated_mjpeg_avi_names_the_file(tmp_path):
    path = write_mjpeg_avi(tmp_path / 'cut.avi', frames=30, keep=10)
    with av.open(str(path)) as container:  # what plain FFmpeg makes of it
        assert container.streams.video[0].frames == 30
        assert sum(1 for _ in container.decode(video=0)) == 10
    match = (r"Video file '.*cut\.avi' is truncated: its header declares 30 "
             'frames but the file holds only 10')
    with pytest.raises(OSError, match=match):
        TinyVideoInit()(dict(filename=str(path)))
    with pytest.raises(OSError, match=match):
        probe_video(str(path))


def test_probe_video(tmp_path):
    path = write_video(tmp_path / 'ok', 7, 24, 24, 'h264')
    assert probe_video(str(path)) == 7
    with pytest.raises(FileNotFoundError, match=r'nope\.mp4.*does not exist'):
        probe_video(str(tmp_path / 'nope.mp4'))
    (tmp_path / 'empty.mp4').write_bytes(b'')
    with pytest.raises(OSError, match=r'empty\.mp4.*empty \(0 bytes\)'):
        probe_video(str(tmp_path / 'empty.mp4'))
    with pytest.raises(OSError, match=r"'.*' is not a regular file"):
        probe_video(str(tmp_path))
    (tmp_path / 'junk.mp4').write_bytes(b'junk' * 100)
    with pytest.raises(OSError, match=r'junk\.mp4.*corrupt or not a video'):
        probe_video(str(tmp_path / 'junk.mp4'))


@pytest.mark.parametrize('ext, codec, pix_fmt, message', [
    ('avi', 'ffv1', 'bgr0', 'no decodable frame'),
    ('avi', 'mjpeg', 'yuvj420p', 'no decodable frame'),
    ('mp4', 'mpeg4', 'yuv420p', 'no video stream'),  # mp4 drops the stream
])
def test_zero_frame_file(tmp_path, ext, codec, pix_fmt, message):
    path = tmp_path / f'zero.{ext}'
    with av.open(str(path), 'w') as container:
        stream = container.add_stream(codec, rate=25)
        stream.width = stream.height = 32
        stream.pix_fmt = pix_fmt
        container.start_encoding()  # header and trailer, no frame
    assert path.stat().st_size > 0
    with pytest.raises(ValueError, match=rf'zero\.{ext}.*{message}'):
        TinyVideoInit()(dict(filename=str(path)))


def test_no_video_stream(tmp_path):
    path = tmp_path / 'audio.wav'
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('pcm_s16le', rate=8000)
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format='s16', layout='mono')
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(ValueError, match=r'audio\.wav.*no video stream'):
        TinyVideoInit()(dict(filename=str(path)))


def test_index_out_of_range(tmp_path):
    path = write_video(tmp_path / 'short', 2, 20, 20)
    results = TinyVideoInit()(dict(filename=str(path)))
    results['frame_inds'] = np.array([0, 2])
    with pytest.raises(IndexError, match=r'short\.mkv.*has 2 frames'):
        TinyVideoDecode()(results)


def test_decode_needs_init():
    with pytest.raises(KeyError, match='TinyVideoInit'):
        TinyVideoDecode()(dict(frame_inds=np.array([0])))


def test_bad_num_threads():
    with pytest.raises(ValueError, match='num_threads'):
        TinyVideoInit(num_threads=-1)


# -------------------------------------------------------------- real data
def test_real_tiny_surveillance_pairs():
    """Every val clip pair (lr 24-112 px and hr 112 px): frame count equal to
    OpenCV's and to the annotation, shapes as annotated, LR and HR counts
    equal; pixels equal to OpenCV's on a few, including widths where decord
    0.6.0 fails."""
    root = shared_data_dir('tiny_surveillance', 'val')
    anns = json.loads((root / 'annotations.json').read_text())
    assert len(anns) > 0
    checked_pixels = set()
    for ann in anns:
        lr, hr = root / 'lr' / ann['path'], root / 'hr' / ann['path']
        results = TinyVideoInit()(dict(filename=str(lr), sr_filename=str(hr)))
        n, h, w = ann['dim']
        cap = cv2.VideoCapture(str(lr))
        n_cv = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.release()
        assert results['total_frames'] == n == n_cv, ann['path']
        assert results['video_reader'].shape == (h, w)
        assert results['sr_video_reader'].shape == (112, 112)
        if w not in checked_pixels:
            checked_pixels.add(w)
            results['frame_inds'] = np.arange(n)
            results = TinyVideoDecode()(results)
            np.testing.assert_array_equal(
                np.stack(results['imgs']), opencv_frames(lr)[0])
            np.testing.assert_array_equal(
                np.stack(results['sr_imgs']), opencv_frames(hr)[0])
    assert {24, 48, 72} & checked_pixels


@pytest.mark.parametrize('name, frames, shape', [
    ('test.mp4', 300, (256, 340)),
    ('test.avi', None, (240, 320)),
    ('part_0.mp4', 32, None),
])
def test_real_videos(name, frames, shape):
    """mmaction's test clips: frame count and frames equal OpenCV's."""
    path = shared_data_dir('videos') / name
    results = TinyVideoInit()(dict(filename=str(path)))
    n = results['total_frames']
    keep = sorted({0, 1, n // 2, n - 2, n - 1})
    results['frame_inds'] = np.array(keep)
    results = TinyVideoDecode()(results)
    ref, n_cv = opencv_frames(path, keep=set(keep))
    assert n == n_cv
    if frames is not None:
        assert n == frames
    if shape is not None:
        assert results['img_shape'] == shape
    np.testing.assert_array_equal(np.stack(results['imgs']), ref)
