"""A trained DVSR (TinyVIRAT method, ``configs/dvsr/``) as the generator of
the dataset super-resolution tool: load, forward on windows of any length.

The generator is built from the training config's ``model.generator`` and
its weights are the ``generator.`` keys of the ``tools/train.py`` checkpoint
(loaded strictly, with the growth step and fade-in alpha). DVSR sees clips of
exactly ``in_frames`` frames of the size it was trained on
(``dvsr_input_size`` in the config): every window is resized to it (area
down-scaling, bicubic up-scaling), shorter windows are padded by repeating
their last frame, and the padded outputs are dropped.
"""
import os.path as osp
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .realbasicvsr import CheckpointError, file_sha256

__all__ = ['dvsr_forward', 'load_dvsr_generator']


def _generator_config(config: str) -> Tuple[dict, Optional[int]]:
    from mmengine.config import Config
    if not osp.isfile(config):
        raise FileNotFoundError(f'DVSR config {config} does not exist')
    cfg = Config.fromfile(config)
    model = cfg.get('model') or {}
    generator = model.get('generator')
    if not isinstance(generator, dict) or generator.get('type') not in (
            'DVSR', 'mmaction.DVSR'):
        raise ValueError(
            f'{config} is not a DVSR config: its model has no DVSR '
            f'`generator` (model type {model.get("type")!r})')
    return generator.to_dict(), cfg.get('dvsr_input_size')


def load_dvsr_generator(config: str, checkpoint: str,
                        in_size: Optional[int] = None
                        ) -> Tuple[nn.Module, Dict[str, object]]:
    """Build the DVSR of ``config`` and load ``checkpoint`` into it.

    Args:
        config (str): The training config (``configs/dvsr/...``).
        checkpoint (str): A checkpoint of that config (or of any config with
            the same generator) written by ``tools/train.py``.
        in_size (int, optional): Frame size the generator was trained on;
            None reads ``dvsr_input_size`` from the config.

    Returns:
        tuple: The generator (eval, no grad) and ``settings`` (generator
        config, input size, checkpoint SHA-256) for the manifest.

    Raises:
        CheckpointError: the checkpoint is missing, does not match the
            generator, or is from the middle of progressive training.
        ValueError: the config has no DVSR, or no input size is known.
    """
    import tiny_action  # noqa: F401  (registers DVSR)
    from mmaction.registry import MODELS
    from tiny_action.models.recognizers import load_checkpoint_strict
    gen_cfg, cfg_size = _generator_config(config)
    in_size = in_size or cfg_size
    if not isinstance(in_size, int) or in_size < 1:
        raise ValueError(f'{config} sets no `dvsr_input_size`: give the frame '
                         'size the DVSR was trained on (--in-size)')
    gen = MODELS.build(dict(gen_cfg, type='DVSR'))
    try:
        load_checkpoint_strict(gen, checkpoint, 'DVSR generator',
                               prefix='generator.')
    except (FileNotFoundError, ValueError) as e:
        raise CheckpointError(str(e)) from e
    if gen.current_step != gen.num_steps or float(gen.alpha) < 1:
        raise CheckpointError(
            f'{checkpoint} holds a DVSR in the middle of progressive training '
            f'(step {gen.current_step} of {gen.num_steps}, alpha '
            f'{float(gen.alpha):.3f}); use a checkpoint from after the last '
            'transition')
    gen.eval().requires_grad_(False)
    settings = dict(model='dvsr', generator=gen_cfg, in_size=in_size,
                    checkpoint_sha256=file_sha256(checkpoint))
    return gen, settings


def _resize_frames(x: torch.Tensor, size: int) -> torch.Tensor:
    """``(N, 3, h, w)`` -> ``(N, 3, size, size)``: area when shrinking,
    bicubic when enlarging."""
    if x.shape[-2:] == (size, size):
        return x
    if x.shape[-2] >= size and x.shape[-1] >= size:
        return F.interpolate(x, size=(size, size), mode='area')
    return F.interpolate(x, size=(size, size), mode='bicubic',
                         align_corners=False).clamp(0, 1)


@torch.no_grad()
def dvsr_forward(gen: nn.Module, lqs: torch.Tensor,
                 in_size: int) -> torch.Tensor:
    """Super-resolve windows of at most ``gen.in_frames`` frames.

    Args:
        gen (nn.Module): A DVSR from :func:`load_dvsr_generator`.
        lqs (Tensor): ``(n, t, 3, h, w)`` RGB in [0, 1], ``t <=
            in_frames``.
        in_size (int): Frame size the DVSR was trained on; frames are
            resized to it first.

    Returns:
        Tensor: ``(n, t, 3, S, S)`` with ``S = in_size * scale``, clamped to
        [0, 1].
    """
    n, t, c, h, w = lqs.shape
    if t > gen.in_frames:
        raise ValueError(f'DVSR takes windows of at most {gen.in_frames} '
                         f'frames, got {t}')
    size = in_size
    x = _resize_frames(lqs.reshape(n * t, c, h, w), size)
    x = x.view(n, t, c, size, size)
    if t < gen.in_frames:
        pad = x[:, -1:].expand(n, gen.in_frames - t, c, size, size)
        x = torch.cat([x, pad], dim=1)
    y = gen(x.transpose(1, 2).contiguous()).clamp(0, 1)
    return y.transpose(1, 2)[:, :t]
