"""Dense Video Super-Resolution (DVSR), grown progressively.

Demir, Rawat and Shah, "TinyVIRAT: Low-resolution Video Action Recognition",
section IV-A and Figure 5: a 3D-convolutional encoder (a 3D convolution and
one 3D residual-in-residual dense block, 3D-RRDB, per step), a decoder of 3D
up-sampling stages (linear interpolation followed by a 3D convolution, no
transposed convolutions) and one projection to RGB per scale (a 3x3x3 then a
1x1x1 convolution). Training starts with a shallow network that doubles the
resolution; every growth step adds an encoder block and a decoder stage, which
fade in with ``alpha`` (section IV-A-2):

* encoder: ``h = (1 - alpha) * h_prev + alpha * rrdb_new(h_prev)``;
* decoder: ``out = (1 - alpha) * up(proj_prev(d_prev)) + alpha *
  proj_new(stage_new(d_prev))``, ``up`` the linear up-sampling of the previous
  projection's video to the new size.

After the transition (``alpha = 1``) the previous projection is no longer used
("omitted"); its weights stay in the state dict so that checkpoints of every
step load into the same module and the optimizer, built once before training,
holds every parameter from the start. Spatial and temporal resolution grow
together as in the paper (16 input frames of 14x14: 4 frames of 28x28 after
the first step, 8 of 56x56 after the second, 16 of 112x112 after the third):
the encoder reduces the ``in_frames`` input frames to ``in_frames / scale``
(a learned temporal reduction, one strided 3D convolution) and every decoder
stage doubles frames, height and width.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import nn

__all__ = ['DVSR', 'DenseBlock3d', 'RRDB3d', 'resize_video']


def resize_video(video: torch.Tensor, size: Sequence[int],
                 spatial_mode: str = 'bicubic') -> torch.Tensor:
    """Resize ``(N, C, T, H, W)`` videos to ``size = (T', H', W')``: frames
    linearly in time, then each frame with ``spatial_mode`` (``'bicubic'``,
    ``'bilinear'``, ``'area'`` or ``'nearest'``).

    Args:
        video (Tensor): ``(N, C, T, H, W)``.
        size (Sequence[int]): ``(T', H', W')``.
        spatial_mode (str): Interpolation of the frames. Defaults to
            ``'bicubic'``.

    Returns:
        Tensor: ``(N, C, T', H', W')`` (the input itself if the size is
        already right).
    """
    n, c, t, h, w = video.shape
    size = tuple(int(s) for s in size)
    if size == (t, h, w):
        return video
    if size[0] != t:
        video = F.interpolate(video, size=(size[0], h, w), mode='trilinear',
                              align_corners=False)
    if size[1:] != (h, w):
        frames = video.transpose(1, 2).reshape(n * size[0], c, h, w)
        kwargs = (dict(align_corners=False)
                  if spatial_mode in ('bilinear', 'bicubic') else {})
        frames = F.interpolate(frames, size=size[1:], mode=spatial_mode,
                               **kwargs)
        video = frames.view(n, size[0], c, *size[1:]).transpose(1, 2)
    return video.contiguous()


def _scaled_kaiming(module: nn.Module, scale: float) -> None:
    """Kaiming-normal init scaled by ``scale`` (ESRGAN's residual-block
    init), zero biases."""
    for m in module.modules():
        if isinstance(m, nn.Conv3d):
            nn.init.kaiming_normal_(m.weight, a=0.2, mode='fan_in',
                                    nonlinearity='leaky_relu')
            m.weight.data.mul_(scale)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class DenseBlock3d(nn.Module):
    """3D residual dense block (3D-RDB): five densely connected 3x3x3
    convolutions, the input added back with residual scaling.

    Args:
        channels (int): Input and output channels.
        growth_channels (int): Channels of each of the first four
            convolutions (the "growth rate").
        res_scale (float): Scale of the block's output before the residual
            sum (ESRGAN's 0.2). Defaults to 0.2.
    """

    def __init__(self, channels: int, growth_channels: int,
                 res_scale: float = 0.2) -> None:
        super().__init__()
        self.res_scale = res_scale
        self.convs = nn.ModuleList(
            nn.Conv3d(channels + i * growth_channels,
                      growth_channels if i < 4 else channels, 3, padding=1)
            for i in range(5))
        self.act = nn.LeakyReLU(0.2, inplace=True)
        _scaled_kaiming(self, 0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for i, conv in enumerate(self.convs):
            out = conv(torch.cat(feats, dim=1))
            if i < 4:
                feats.append(self.act(out))
        return x + self.res_scale * out


class RRDB3d(nn.Module):
    """3D residual-in-residual dense block: three 3D-RDBs and a skip from
    the first block's input to the last block's output, scaled as in RRDB.

    Args:
        channels (int): Input and output channels.
        growth_channels (int): Growth rate of the dense blocks.
        res_scale (float): Residual scaling. Defaults to 0.2.
    """

    def __init__(self, channels: int, growth_channels: int,
                 res_scale: float = 0.2) -> None:
        super().__init__()
        self.res_scale = res_scale
        self.blocks = nn.Sequential(*[
            DenseBlock3d(channels, growth_channels, res_scale)
            for _ in range(3)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.res_scale * self.blocks(x)


def _num_steps(scale: int) -> int:
    """Growth steps (x2 each) that reach ``scale``; raises otherwise."""
    if (not isinstance(scale, int) or isinstance(scale, bool) or scale < 2
            or scale & (scale - 1)):
        reachable = ', '.join(str(2**k) for k in range(1, 6))
        raise ValueError(
            f'DVSR `scale` should be reachable by x2 growth steps ({reachable}'
            f', ...), but got {scale!r}')
    return int(math.log2(scale))


@MODELS.register_module()
class DVSR(BaseModule):
    """Dense video super-resolution network with progressive growth.

    Input: ``(N, 3, in_frames, h, w)`` RGB in [0, 1]. Output at growth step
    ``s`` (1-based, ``step``): ``(N, 3, T_s, h * 2**s, w * 2**s)`` with
    ``T_s = in_frames / scale * 2**s`` (``temporal_growth=True``, the
    paper's) or ``T_s = in_frames``; after the last step the output has
    ``in_frames`` frames at ``scale`` times the size. The current ``step``
    and fade-in ``alpha`` are buffers, saved in checkpoints (a run resumed
    mid-transition continues with them; :class:`ProgressiveGrowthHook` sets
    them from the iteration during training).

    Args:
        scale (int): Final up-scaling factor, a power of two (one growth
            step per factor 2). Defaults to 8 (the paper's 14 -> 112 px).
        in_frames (int): Frames of the input clip. With
            ``temporal_growth`` it must be a multiple of ``scale``. Defaults
            to 16.
        in_channels (int): Image channels. Defaults to 3.
        mid_channels (int): Feature channels of the encoder and decoder.
            Defaults to 64.
        growth_channels (int): Growth rate of the dense blocks. Defaults to
            32.
        temporal_growth (bool): Grow frames with the resolution (the
            paper's). Defaults to True.
        input_skip (bool): Add the input, resized to each step's output size
            (linear in time, bicubic in space), to every projection, so the
            network learns a residual over interpolation (the projections'
            last convolutions start at zero, so the untrained network is the
            interpolation). Not stated in the paper; it makes short trainings
            reach interpolation quality at once. Defaults to True.
        start_step (int, optional): Growth step at construction: 1 for
            progressive training, None for the full network (end-to-end
            training, and test). Defaults to None.
        res_scale (float): RRDB residual scaling. Defaults to 0.2.
        init_cfg (dict, optional): Passed to ``BaseModule``.

    Raises:
        ValueError: ``scale`` is not a power of two >= 2; the clip is too
            short for temporal growth to the scale (``in_frames`` not a
            multiple of ``scale``); ``start_step`` out of range.
    """

    def __init__(self,
                 scale: int = 8,
                 in_frames: int = 16,
                 in_channels: int = 3,
                 mid_channels: int = 64,
                 growth_channels: int = 32,
                 temporal_growth: bool = True,
                 input_skip: bool = True,
                 start_step: Optional[int] = None,
                 res_scale: float = 0.2,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_steps = _num_steps(scale)
        self.scale = scale
        if not isinstance(in_frames, int) or in_frames < 1:
            raise ValueError(
                f'`in_frames` should be a positive int, got {in_frames!r}')
        if temporal_growth and in_frames % scale:
            raise ValueError(
                f'a clip of in_frames={in_frames} is too short for DVSR '
                f'x{scale} with temporal growth: the encoder reduces the clip '
                f'to in_frames / {scale} frames and each of the '
                f'{self.num_steps} steps doubles them, so in_frames must be a '
                f'multiple of {scale} (e.g. {max(scale, 16)}); or set '
                'temporal_growth=False')
        self.in_frames = in_frames
        self.in_channels = in_channels
        self.mid_channels = mid_channels
        self.temporal_growth = temporal_growth
        self.input_skip = input_skip
        self.base_frames = in_frames // scale if temporal_growth else in_frames
        self._build_layers(in_channels, mid_channels, growth_channels,
                           res_scale)
        self.register_buffer('step', torch.tensor(0, dtype=torch.long))
        self.register_buffer('alpha', torch.tensor(1.0))
        self.set_progress(self.num_steps if start_step is None else start_step,
                          1.0)

    def _build_layers(self, in_channels: int, mid: int, growth: int,
                      res_scale: float) -> None:
        reduce = self.in_frames // self.base_frames
        self.conv_first = nn.Conv3d(in_channels, mid, 3, padding=1)
        self.temporal_reduce = (nn.Conv3d(mid, mid, (reduce, 1, 1),
                                          stride=(reduce, 1, 1))
                                if reduce > 1 else nn.Identity())
        self.encoder_blocks = nn.ModuleList(
            RRDB3d(mid, growth, res_scale) for _ in range(self.num_steps))
        self.decoder_convs = nn.ModuleList(
            nn.Conv3d(mid, mid, 3, padding=1) for _ in range(self.num_steps))
        self.projections = nn.ModuleList(
            nn.Sequential(
                nn.Conv3d(mid, mid, 3, padding=1),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv3d(mid, in_channels, 1)) for _ in range(self.num_steps))
        self.act = nn.LeakyReLU(0.2, inplace=True)
        if self.input_skip:  # start exactly at the interpolated input
            for proj in self.projections:
                nn.init.zeros_(proj[-1].weight)
                nn.init.zeros_(proj[-1].bias)

    # ------------------------------------------------------------ progress
    @property
    def current_step(self) -> int:
        """Growth step in use, 1 .. ``num_steps``."""
        return int(self.step)

    @property
    def fading(self) -> bool:
        """True while the newest block fades in (``alpha < 1``, step > 1)."""
        return self.current_step > 1 and float(self.alpha) < 1.0

    def set_progress(self, step: int, alpha: float = 1.0) -> None:
        """Set the growth step and the fade-in ``alpha`` of its new blocks.

        Raises:
            ValueError: ``step`` not in ``[1, num_steps]`` or ``alpha`` not
                in ``[0, 1]``.
        """
        if not 1 <= int(step) <= self.num_steps:
            raise ValueError(f'DVSR x{self.scale} has growth steps 1 .. '
                             f'{self.num_steps}, got step {step}')
        if not 0.0 <= float(alpha) <= 1.0:
            raise ValueError(f'fade-in alpha should be in [0, 1], got {alpha}')
        self.step.fill_(int(step))
        self.alpha.fill_(1.0 if int(step) == 1 else float(alpha))

    def output_shape(self, in_hw: Tuple[int, int],
                     step: Optional[int] = None) -> Tuple[int, int, int]:
        """``(T, H, W)`` of the output at ``step`` (default: the current one)
        for input frames of ``in_hw = (h, w)``."""
        step = self.current_step if step is None else step
        frames = (self.base_frames * 2**step
                  if self.temporal_growth else self.in_frames)
        return (frames, in_hw[0] * 2**step, in_hw[1] * 2**step)

    # ------------------------------------------------------------- forward
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Encoder features ``(N, C, in_frames / scale, h, w)`` at the current
        step (the newest block faded in)."""
        h = self.act(self.conv_first(x))
        h = self.temporal_reduce(h)
        for k in range(self.current_step):
            new = self.encoder_blocks[k](h)
            if k == self.current_step - 1 and self.fading:
                alpha = self.alpha.to(h.dtype)
                new = (1 - alpha) * h + alpha * new
            h = new
        return h

    def _up_stage(self, k: int, d: torch.Tensor) -> torch.Tensor:
        factor = (2, 2, 2) if self.temporal_growth else (1, 2, 2)
        d = F.interpolate(d, scale_factor=factor, mode='trilinear',
                          align_corners=False)
        return self.act(self.decoder_convs[k](d))

    def _project(self, k: int, d: torch.Tensor,
                 x: torch.Tensor) -> torch.Tensor:
        out = self.projections[k](d)
        if self.input_skip:
            out = out + resize_video(x, out.shape[2:])
        return out

    def decode(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The output video at the current step from encoder features ``h``
        (``x``: the input, for ``input_skip``), new stage faded in."""
        step = self.current_step
        d = h
        for k in range(step - 1):
            d = self._up_stage(k, d)
        out = self._project(step - 1, self._up_stage(step - 1, d), x)
        if self.fading:
            prev = self._project(step - 2, d, x)
            alpha = self.alpha.to(out.dtype)
            out = (1 - alpha) * resize_video(
                prev, out.shape[2:], spatial_mode='bilinear') + alpha * out
        return out

    def forward(
        self,
        x: torch.Tensor,
        return_features: bool = False
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """Super-resolve ``x``.

        Args:
            x (Tensor): ``(N, in_channels, in_frames, h, w)`` in [0, 1].
            return_features (bool): Also return the encoder features (the
                input of the foreground attention branch). Defaults to
                False.

        Returns:
            Tensor | tuple: ``(N, C, T_s, H_s, W_s)`` (see
            :meth:`output_shape`), not clamped; with ``return_features``,
            ``(video, features)``.

        Raises:
            ValueError: ``x`` is not a 5-D clip of ``in_frames`` frames and
                ``in_channels`` channels.
        """
        if (x.ndim != 5 or x.shape[1] != self.in_channels
                or x.shape[2] != self.in_frames):
            raise ValueError(
                f'DVSR expects (N, {self.in_channels}, {self.in_frames}, h, '
                f'w) clips, got {tuple(x.shape)}')
        h = self.encode(x)
        out = self.decode(h, x)
        return (out, h) if return_features else out
