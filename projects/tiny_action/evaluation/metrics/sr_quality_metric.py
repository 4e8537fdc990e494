"""PSNR / SSIM of super-resolved videos, with mmagic's metric functions."""
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import torch
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

__all__ = ['SRQualityMetric', 'video_psnr_ssim']


def _frames_uint8(video) -> np.ndarray:
    """``(..., C, T, H, W)`` in [0, 1] -> ``(frames, H, W, C)`` in 0-255
    (rounded, as a saved 8-bit video)."""
    video = torch.as_tensor(video).detach().float().cpu()
    if video.ndim < 4:
        raise ValueError('expected (..., C, T, H, W) videos, got shape '
                         f'{tuple(video.shape)}')
    c, t, h, w = video.shape[-4:]
    frames = video.reshape(-1, c, t, h, w).permute(0, 2, 3, 4, 1)
    frames = frames.reshape(-1, h, w, c)
    return (frames.clamp(0, 1) * 255.0).round().numpy()


def video_psnr_ssim(pred, target) -> Tuple[float, float]:
    """Mean per-frame PSNR (dB) and SSIM of a video against its target,
    computed by mmagic's ``psnr`` / ``ssim`` on RGB frames in 0-255.

    mmagic is imported here, not when ``tiny_action`` is imported.

    Args:
        pred: ``(..., C, T, H, W)`` tensor or array in [0, 1].
        target: The same shape.

    Returns:
        tuple[float, float]: ``(psnr, ssim)`` averaged over frames (a
        frame identical to its target counts as 100 dB).

    Raises:
        ValueError: the shapes differ, or frames are smaller than 11 x 11.
    """
    from mmagic.evaluation.metrics.psnr import psnr
    from mmagic.evaluation.metrics.ssim import ssim
    pred, target = _frames_uint8(pred), _frames_uint8(target)
    if pred.shape != target.shape:
        raise ValueError(f'prediction {pred.shape} and target {target.shape} '
                         'frames differ in shape')
    if min(pred.shape[1:3]) < 11:
        raise ValueError('SSIM needs frames of at least 11 x 11 pixels '
                         "(mmagic's 11 x 11 Gaussian window), got "
                         f'{pred.shape[1:3]}')
    psnrs = [min(100.0, psnr(p, t)) for p, t in zip(pred, target)]
    ssims = [ssim(p, t) for p, t in zip(pred, target)]
    return float(np.mean(psnrs)), float(np.mean(ssims))


@METRICS.register_module()
class SRQualityMetric(BaseMetric):
    """PSNR and SSIM of ``pred_sr`` against ``gt_sr`` (written by
    ``DVSRRecognizer`` in stage ``'sr'``), averaged per clip then over
    clips. Keys: ``sr/psnr``, ``sr/ssim``.

    Args:
        collect_device (str): Defaults to 'cpu'.
        prefix (str): Defaults to 'sr'.
    """

    default_prefix = 'sr'

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Score each sample's video."""
        for sample in data_samples:
            if 'pred_sr' not in sample or 'gt_sr' not in sample:
                raise KeyError(
                    'SRQualityMetric needs `pred_sr` and `gt_sr` in each '
                    'sample (DVSRRecognizer in stage "sr", with the '
                    'high-resolution twins in the validation pipeline)')
            value_psnr, value_ssim = video_psnr_ssim(sample['pred_sr'],
                                                     sample['gt_sr'])
            self.results.append(dict(psnr=value_psnr, ssim=value_ssim))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Means over clips."""
        return dict(psnr=float(np.mean([r['psnr'] for r in results])),
                    ssim=float(np.mean([r['ssim'] for r in results])))
