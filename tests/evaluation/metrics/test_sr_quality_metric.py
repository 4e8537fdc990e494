"""SRQualityMetric / video_psnr_ssim (mmagic's functions, imported lazily)."""
import math
import os
import subprocess
import sys

import pytest
import torch

import tiny_action  # noqa: F401
from mmaction.registry import METRICS
from tiny_action.evaluation.metrics import video_psnr_ssim


def test_import_tiny_action_does_not_import_mmagic():
    code = 'import sys, tiny_action; print("mmagic" in sys.modules)'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, env=dict(os.environ), check=True)
    assert out.stdout.strip() == 'False'


def test_values():
    video = torch.rand(1, 3, 4, 16, 16)
    assert video_psnr_ssim(video, video) == (100.0, pytest.approx(1.0))
    # every pixel off by 4 / 255 (after rounding): PSNR = 20 log10(255 / 4)
    target = torch.full((3, 2, 12, 12), 100 / 255)
    pred = torch.full((3, 2, 12, 12), 104 / 255)
    value_psnr, value_ssim = video_psnr_ssim(pred, target)
    assert value_psnr == pytest.approx(20 * math.log10(255 / 4), abs=1e-4)
    assert 0.9 < value_ssim <= 1.0
    noisy = (video + 0.2 * torch.randn_like(video)).clamp(0, 1)
    assert video_psnr_ssim(noisy, video)[1] < 0.9
    with pytest.raises(ValueError, match='differ in shape'):
        video_psnr_ssim(video, video[..., :8])
    with pytest.raises(ValueError, match='at least 11 x 11'):
        video_psnr_ssim(video[..., :8], video[..., :8])


def test_metric_means_over_clips():
    metric = METRICS.build(dict(type='SRQualityMetric'))
    a = torch.rand(1, 3, 2, 12, 12)
    b = torch.full((1, 3, 2, 12, 12), 0.5)
    metric.process({}, [dict(pred_sr=a, gt_sr=a),
                        dict(pred_sr=b, gt_sr=(b + 2 / 255))])
    out = metric.evaluate(2)
    assert out['sr/psnr'] == pytest.approx(
        (100 + 20 * math.log10(255 / 2)) / 2, abs=1e-4)
    with pytest.raises(KeyError, match='needs `pred_sr` and `gt_sr`'):
        metric.process({}, [dict(pred_sr=a)])
