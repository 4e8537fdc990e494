"""Tiny fixtures shared by the tests and the benchmarks (as
``mmaction.testing``): a small recognizer config, a fake distillation batch,
motion-statistics samples and heads, a config file for the stock tools on a
small dataset, and short videos with known frames.

Not imported by ``import tiny_action``; everything here is small enough for
a CPU test of a few seconds.
"""
import os
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple, Union

import numpy as np
import torch

__all__ = [
    'CODECS', 'frame_pattern', 'kd_batch', 'motion_stats_samples',
    'random_multilabel', 'single_rank_launch', 'sklearn_prf', 'stats_head',
    'tiny_kd_cfg', 'tiny_recognizer_cfg', 'write_tiny_config', 'write_video'
]


def tiny_recognizer_cfg(num_classes: int = 5,
                        head: str = 'ASLHead',
                        base_channels: int = 8,
                        **head_kwargs) -> dict:
    """A ``Recognizer3D`` config small enough for CPU tests: ResNet3d-18 with
    ``base_channels`` (8: 64 output channels), no pretrained weights, and the
    multi-label ``head`` (``ASLHead`` or ``KDHead``).

    Args:
        num_classes (int): Classes of the head. Defaults to 5.
        head (str): Head type. Defaults to ``'ASLHead'``.
        base_channels (int): Channels of the backbone's first stage; it
            outputs eight times as many. Defaults to 8.
        **head_kwargs: Further head arguments (e.g. ``loss_cls``, ``alpha``).

    Returns:
        dict: The model config (a new dict on every call).
    """
    return dict(
        type='Recognizer3D',
        backbone=dict(type='ResNet3d', depth=18,
                      base_channels=base_channels, pretrained=None,
                      pretrained2d=False,
                      conv1_kernel=(3, 7, 7), conv1_stride_t=1,
                      pool1_stride_t=1, inflate=(1, 1, 1, 1),
                      spatial_strides=(1, 2, 2, 2),
                      temporal_strides=(1, 2, 2, 2)),
        cls_head=dict(type=head, num_classes=num_classes,
                      in_channels=8 * base_channels,
                      **head_kwargs),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               mean=[120.0] * 3, std=[50.0] * 3,
                               format_shape='NCTHW'))


def tiny_kd_cfg(num_classes: int = 5,
                teacher_ckpt: Optional[str] = None,
                **kwargs) -> dict:
    """A ``DualResolutionRecognizer`` config of two
    :func:`tiny_recognizer_cfg` recognizers: the student's head becomes a
    ``KDHead`` (``alpha=0.5``, BCE) through ``student_overrides``.

    Args:
        num_classes (int): Classes of both heads. Defaults to 5.
        teacher_ckpt (str, optional): The teacher checkpoint. Defaults to
            None.
        **kwargs: Further ``DualResolutionRecognizer`` arguments (they
            replace the defaults, e.g. ``teacher=None`` with
            ``knowledge_cache``).

    Returns:
        dict: The model config.
    """
    return dict(
        dict(type='DualResolutionRecognizer',
             student=tiny_recognizer_cfg(num_classes),
             student_overrides=dict(cls_head=dict(
                 type='KDHead', alpha=0.5,
                 loss_cls=dict(type='BCELossWithLogits'))),
             teacher=tiny_recognizer_cfg(num_classes),
             teacher_ckpt=teacher_ckpt), **kwargs)


def kd_batch(num_samples: int = 2,
             num_classes: int = 5,
             clip_shape: Tuple[int, int, int] = (4, 32, 32),
             sr_shape: Tuple[int, int, int] = (4, 48, 48),
             label_threshold: float = 0.5,
             seed: int = 0) -> Dict[str, list]:
    """A fake batch of a distillation dataloader, before the data
    preprocessor: per sample one uint8 low-resolution clip ``(1, 3, T, H,
    W)`` in ``inputs`` and an ``ActionDataSample`` with a random multi-hot
    ``gt_label``, the super-resolved clip ``sr_inputs`` and the metainfo
    ``id`` (``'00000'``, ``'00001'``, ...).

    Args:
        num_samples (int): Batch size. Defaults to 2.
        num_classes (int): Length of the labels. Defaults to 5.
        clip_shape (tuple[int, int, int]): ``(T, H, W)`` of the clips.
            Defaults to ``(4, 32, 32)``.
        sr_shape (tuple[int, int, int]): ``(T, H, W)`` of the SR clips.
            Defaults to ``(4, 48, 48)``.
        label_threshold (float): A class is positive where a uniform draw
            exceeds it. Defaults to 0.5.
        seed (int): Seed of the draws (same seed, same batch). Defaults to 0.

    Returns:
        dict: ``inputs`` (list of tensors) and ``data_samples``.
    """
    from mmaction.structures import ActionDataSample
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(num_samples):
        inputs.append(torch.randint(0, 255, (1, 3) + tuple(clip_shape),
                                    generator=g, dtype=torch.uint8))
        sample = ActionDataSample()
        sample.set_field(
            (torch.rand(num_classes, generator=g) > label_threshold).float(),
            'gt_label')
        sample.set_field(torch.randint(0, 255, (1, 3) + tuple(sr_shape),
                                       generator=g, dtype=torch.uint8),
                         'sr_inputs')
        sample.set_metainfo(dict(id=f'{i:05d}'))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def motion_stats_samples(labels: Sequence[Sequence[float]],
                         stats: Sequence[Optional[Any]]) -> list:
    """``ActionDataSample`` s as ``PackTinyActionInputs`` packs clips with
    ``MotionStatistics``: a float ``gt_label`` per row of ``labels`` and,
    where the matching entry of ``stats`` is not None, that vector as
    ``motion_stats`` (float tensor)."""
    from mmaction.structures import ActionDataSample
    out = []
    for label, vector in zip(labels, stats):
        sample = ActionDataSample().set_gt_label(
            torch.tensor(label, dtype=torch.float32))
        if vector is not None:
            sample.set_field(torch.as_tensor(vector, dtype=torch.float32),
                             'motion_stats', dtype=torch.Tensor)
        out.append(sample)
    return out


def stats_head(head_type: str, **kwargs):
    """A built and initialised motion-statistics head (``head_type``:
    ``'MotionStatsHead'``, ``'MotionStreamHead'`` or ``'MotionTargetHead'``)
    of ``kwargs`` (``num_classes``, ``in_channels``, ``stats_channels``,
    ...), with BCE and no dropout unless they say otherwise."""
    from mmaction.registry import MODELS
    cfg = dict(type=head_type, loss_cls=dict(type='BCELossWithLogits'),
               dropout_ratio=0.0)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def random_multilabel(seed: int,
                      num_samples: int = 40,
                      num_classes: int = 6) -> Tuple[np.ndarray, np.ndarray]:
    """Random scores in [0, 1) and multi-hot labels (30% positives) with the
    classes a multi-label metric must get right: class 0 has no positive
    and is never predicted at 0.5, class 1 has no positive, class 2 has
    positives but is never predicted at 0.5.

    Args:
        seed (int): Seed of the draws.
        num_samples (int): ``N``. Defaults to 40.
        num_classes (int): ``C`` (at least 3). Defaults to 6.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(N, C)`` float64 scores and
        ``(N, C)`` int64 labels.
    """
    rng = np.random.default_rng(seed)
    scores = rng.random((num_samples, num_classes))
    labels = (rng.random((num_samples, num_classes)) < 0.3).astype(np.int64)
    labels[:, 0] = 0
    scores[:, 0] = rng.random(num_samples) * 0.4
    labels[:, 1] = 0
    labels[0, 2] = 1
    scores[:, 2] = rng.random(num_samples) * 0.4
    return scores, labels


def sklearn_prf(scores: np.ndarray, labels: np.ndarray,
                thresholds: Union[float, np.ndarray],
                average: Optional[str]) -> Dict[str, np.ndarray]:
    """scikit-learn's F1, precision and recall of ``scores >= thresholds``
    with ``zero_division=0``: the reference the metric is checked against.

    Args:
        scores (np.ndarray): ``(N, C)`` scores.
        labels (np.ndarray): ``(N, C)`` multi-hot labels.
        thresholds (float | np.ndarray): One or one per class.
        average (str, optional): ``'macro'``, or None for per-class arrays.

    Returns:
        dict: ``f1``, ``precision``, ``recall``.
    """
    from sklearn.metrics import f1_score, precision_score, recall_score
    preds = (scores >= thresholds).astype(np.int64)
    kwargs = dict(average=average, zero_division=0)
    return dict(
        f1=f1_score(labels, preds, **kwargs),
        precision=precision_score(labels, preds, **kwargs),
        recall=recall_score(labels, preds, **kwargs))


def write_tiny_config(path: Union[str, Path],
                      data_dir: Union[str, Path],
                      base: Union[str, Path],
                      max_epochs: int = 2,
                      extra: str = '',
                      video_dir: str = 'videos',
                      sr_dir: Optional[str] = None) -> Path:
    """Write a config inheriting ``base`` that runs the stock tools on a
    small dataset in ``data_dir`` (``tiny_{split}_v2.json``,
    ``class_map.json``, videos under ``video_dir/{split}`` and, for
    training, the paired clips under ``sr_dir/train``), batch 4, no worker,
    validation every epoch, no LR schedule, a log line every iteration.

    Args:
        path (str | Path): The config file to write.
        data_dir (str | Path): The dataset folder (e.g. the demo data).
        base (str | Path): The config inherited (an absolute path).
        max_epochs (int): Training epochs. Defaults to 2.
        extra (str): Config lines appended as they are. Defaults to ''.
        video_dir (str): Folder of the clips under ``data_dir``. Defaults to
            ``'videos'``.
        sr_dir (str, optional): Folder of the paired clips. Defaults to None.

    Returns:
        Path: ``path``.
    """
    data_dir = str(data_dir)
    lines = [
        f'_base_ = [{str(base)!r}]',
        f'data_root = {data_dir!r}',
    ]
    for split in ('train', 'val', 'test'):
        sr = (f", sr=data_root + '/{sr_dir}/{split}'"
              if sr_dir and split == 'train' else '')
        lines.append(
            f'{split}_dataloader = dict(batch_size=4, num_workers=0, '
            f'persistent_workers=False, dataset=dict('
            f"ann_file=data_root + '/tiny_{split}_v2.json', "
            f"class_map=data_root + '/class_map.json', "
            f"data_prefix=dict(video=data_root + '/{video_dir}/{split}'"
            f'{sr})))')
    lines += [
        f'train_cfg = dict(max_epochs={max_epochs}, val_interval=1)',
        'param_scheduler = []',
        'default_hooks = dict(logger=dict(interval=1))',
        extra,
    ]
    path = Path(path)
    path.write_text('\n'.join(lines) + '\n')
    return path


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
    frame of a clip up to 256 frames is different.

    Returns:
        np.ndarray: ``(height, width, 3)`` uint8.
    """
    y, x = np.mgrid[0:height, 0:width]
    img = np.empty((height, width, 3), np.uint8)
    img[..., 0] = x * 255 // max(width - 1, 1)
    img[..., 1] = y * 255 // max(height - 1, 1)
    img[..., 2] = (index * 37) % 256
    bx = (index * 5) % max(width - 4, 1)
    img[2:6, bx:bx + 4] = 255
    return img


def write_video(path: Union[str, Path],
                num_frames: int,
                height: int,
                width: int,
                codec: str = 'x264rgb',
                frames: Optional[Sequence[np.ndarray]] = None) -> Path:
    """Write a short video of ``num_frames`` frames, :func:`frame_pattern`
    unless ``frames`` are given, with one of :data:`CODECS`.

    Args:
        path (str | Path): The file; its suffix becomes the codec's.
        num_frames (int): Frames written.
        height (int): Frame height.
        width (int): Frame width.
        codec (str): A key of :data:`CODECS`. Defaults to ``'x264rgb'``.
        frames (Sequence[np.ndarray], optional): ``(H, W, 3)`` uint8 RGB
            frames to write instead of the pattern. Defaults to None.

    Returns:
        Path: The written file.
    """
    import av
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


@contextmanager
def single_rank_launch() -> Iterator[Dict[str, str]]:
    """The environment ``torchrun --nproc_per_node 1`` gives its process
    (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``,
    ``MASTER_PORT`` on a free local port), set for the ``with`` block;
    afterwards the environment is restored and a process group the block
    initialised is destroyed.

    Yields:
        dict[str, str]: The variables set.
    """
    import torch.distributed as dist
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    env = dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
               MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
