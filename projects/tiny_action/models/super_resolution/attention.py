"""Weakly-supervised foreground attention (TinyVIRAT, section IV-A-3,
Figure 6)."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

__all__ = ['ForegroundAttention']


@MODELS.register_module()
class ForegroundAttention(BaseModule):
    """Spatio-temporal importance map ``F_att`` in [0, 1] from the DVSR
    encoder features.

    Two 3D convolutions and a sigmoid give one weight per feature voxel; the
    map is then linearly interpolated to the super-resolved video's size
    ``(T, H, W)`` (an interpolation of values in [0, 1] stays in [0, 1]).
    The branch has no supervision of its own: the classifier that sees
    ``SR * F_att`` trains it, and an L1 penalty keeps it sparse (equation 2;
    see :class:`~tiny_action.models.recognizers.DVSRRecognizer`).

    Args:
        in_channels (int): Channels of the encoder features (the DVSR's
            ``mid_channels``).
        mid_channels (int, optional): Hidden channels. Defaults to
            ``in_channels // 2`` (at least 1).
        init_bias (float): Initial bias of the last convolution, i.e. the
            map starts near ``sigmoid(init_bias)``. Defaults to 0.0 (0.5).
        init_cfg (dict, optional): Passed to ``BaseModule``.
    """

    def __init__(self,
                 in_channels: int,
                 mid_channels: Optional[int] = None,
                 init_bias: float = 0.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError('`in_channels` should be a positive int, got '
                             f'{in_channels!r}')
        mid = mid_channels or max(1, in_channels // 2)
        self.in_channels = in_channels
        self.conv1 = nn.Conv3d(in_channels, mid, 3, padding=1)
        self.act = nn.LeakyReLU(0.2, inplace=True)
        self.conv2 = nn.Conv3d(mid, 1, 1)
        nn.init.constant_(self.conv2.bias, float(init_bias))

    def forward(self, feats: torch.Tensor,
                size: Sequence[int]) -> torch.Tensor:
        """The map ``(N, 1, T, H, W)`` at ``size = (T, H, W)``.

        Args:
            feats (Tensor): ``(N, in_channels, t, h, w)`` encoder features.
            size (Sequence[int]): Output ``(T, H, W)``.

        Returns:
            Tensor: Weights in [0, 1].
        """
        if feats.ndim != 5 or feats.shape[1] != self.in_channels:
            raise ValueError(
                f'ForegroundAttention expects (N, {self.in_channels}, t, h, '
                f'w) features, got {tuple(feats.shape)}')
        att = torch.sigmoid(self.conv2(self.act(self.conv1(feats))))
        size = tuple(int(s) for s in size)
        if tuple(att.shape[2:]) != size:
            att = F.interpolate(att, size=size, mode='trilinear',
                                align_corners=False)
        return att
