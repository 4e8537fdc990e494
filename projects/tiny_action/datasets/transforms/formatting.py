"""Packing of a low-resolution clip, its SR twin and a multi-hot label."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmcv.transforms import to_tensor

from mmaction.datasets.transforms import FormatShape, PackActionInputs
from mmaction.registry import TRANSFORMS

__all__ = ['PackTinyActionInputs']


@TRANSFORMS.register_module()
class PackTinyActionInputs(PackActionInputs):
    """Pack the low-resolution clip as ``inputs`` and the super-resolved clip
    as ``data_sample.sr_inputs``.

    ``inputs`` and everything else are packed by mmaction's
    ``PackActionInputs`` (put ``FormatShape`` before this transform, as
    usual). ``sr_imgs`` (frames as decoded and resized) are formatted here
    with ``FormatShape(sr_input_format)`` semantics, using the same
    ``num_clips`` and ``clip_len`` as the LR clip, and stored as a tensor of
    the frames' dtype (uint8 after decoding, as mmaction keeps ``inputs``
    until its data preprocessor) by
    ``data_sample.set_field(tensor, 'sr_inputs')``; a recognizer normalizes
    it with its teacher's data preprocessor.

    Labels: mmaction's ``ActionDataSample.set_gt_label`` casts any array to
    ``torch.long``. A multi-hot label keeps its 0/1 values that way, but
    ``binary_cross_entropy_with_logits`` needs float targets, so a 1-D float
    label (the multi-hot ``(num_classes,)`` vector of the TinyVIRAT dataset)
    is stored as a float32 tensor of the same shape instead. Int labels go
    through ``set_gt_label`` unchanged.

    Required Keys:

        - imgs
        - label (optional)
        - sr_imgs (optional)
        - num_clips, clip_len (if ``sr_imgs`` is present)
        - motion_stats (optional, from ``MotionStatistics``)

    Added Keys:

        - inputs
        - data_samples (with ``gt_label``; when ``sr_imgs`` is present,
          ``sr_inputs``; when ``motion_stats`` is present, ``motion_stats``
          as a float32 tensor)

    Args:
        collect_keys (tuple[str], optional): As in ``PackActionInputs``.
            Defaults to None.
        meta_keys (Sequence[str]): Keys saved in the data sample's metainfo.
            Defaults to ``('img_shape', 'sr_img_shape', 'id', 'sample_idx',
            'tail_flip', 'flip', 'flip_label_pairs')`` (the last two let
            cached distillation knowledge follow a flipped sample).
        algorithm_keys (Sequence[str]): As in ``PackActionInputs``.
            Defaults to ``()``.
        sr_input_format (str): ``FormatShape`` format of ``sr_inputs``;
            ``'NCTHW'`` or ``'NCHW'``. Defaults to ``'NCTHW'``.
    """

    def __init__(self,
                 collect_keys: Optional[Tuple[str]] = None,
                 meta_keys: Sequence[str] = ('img_shape', 'sr_img_shape',
                                             'id', 'sample_idx', 'tail_flip',
                                             'flip', 'flip_label_pairs'),
                 algorithm_keys: Sequence[str] = (),
                 sr_input_format: str = 'NCTHW') -> None:
        super().__init__(
            collect_keys=collect_keys,
            meta_keys=meta_keys,
            algorithm_keys=algorithm_keys)
        if sr_input_format not in ('NCTHW', 'NCHW'):
            raise ValueError('`sr_input_format` should be "NCTHW" or "NCHW", '
                             f'but got {sr_input_format!r}.')
        self.sr_input_format = sr_input_format
        self._sr_formatter = FormatShape(sr_input_format)

    def _format_sr(self, results: Dict) -> np.ndarray:
        sr_imgs = results['sr_imgs']
        if len(sr_imgs) == 0 or np.asarray(sr_imgs[0]).ndim != 3:
            raise ValueError(
                '`sr_imgs` should be a list (or N x H x W x C array) of H x W '
                'x C frames, i.e. not yet formatted; got '
                f'{type(sr_imgs).__name__} of '
                f'{np.asarray(sr_imgs[0]).shape if len(sr_imgs) else "()"}.')
        frame_inds = results.get('frame_inds')
        if frame_inds is not None and len(sr_imgs) != np.size(frame_inds):
            raise ValueError(
                f'`sr_imgs` has {len(sr_imgs)} frames but `frame_inds` has '
                f'{np.size(frame_inds)}; the SR clip should be decoded at the '
                'same indices as the LR clip.')
        sub = dict(
            imgs=np.stack(sr_imgs),
            num_clips=results['num_clips'],
            clip_len=results['clip_len'])
        return self._sr_formatter.transform(sub)['imgs']

    def transform(self, results: Dict) -> Dict:
        """Pack the inputs, the SR clip and the label.

        Args:
            results (dict): The result dict.

        Returns:
            dict: ``inputs`` and ``data_samples``.

        Raises:
            ValueError: ``key_frames`` is still in the results (an
                ``UniformSegment(all_frames=True)`` without
                :class:`SegmentMotion`: the whole clip would be packed).
        """
        if 'key_frames' in results:
            raise ValueError(
                f"{results.get('filename', 'a sample')!r}: `key_frames` is "
                'still in the results: UniformSegment(all_frames=True) '
                'decodes the whole clip, and SegmentMotion (after the flip '
                'and crop, before FormatShape) must turn it into one frame '
                'per segment.')
        packed = super().transform(results)
        data_sample = packed['data_samples']

        label = results.get('label')
        if (isinstance(label, np.ndarray) and label.ndim == 1
                and np.issubdtype(label.dtype, np.floating)):
            data_sample.set_field(
                torch.from_numpy(label.astype(np.float32)),
                'gt_label',
                dtype=torch.Tensor)

        if results.get('sr_imgs') is not None:
            data_sample.set_field(
                to_tensor(np.ascontiguousarray(self._format_sr(results))),
                'sr_inputs',
                dtype=torch.Tensor)
        if results.get('motion_stats') is not None:
            data_sample.set_field(
                torch.from_numpy(
                    np.asarray(results['motion_stats'], np.float32)),
                'motion_stats',
                dtype=torch.Tensor)
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(collect_keys={self.collect_keys}, '
                f'meta_keys={self.meta_keys}, '
                f'sr_input_format={self.sr_input_format!r})')
