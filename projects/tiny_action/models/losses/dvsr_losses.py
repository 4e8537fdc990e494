"""Loss terms of the TinyVIRAT method (section IV-A-4, equations 1 and 2)."""
from typing import Optional

import torch

__all__ = ['attention_weighted_l1', 'attention_l1_norm']


def attention_weighted_l1(pred: torch.Tensor,
                          target: torch.Tensor,
                          weight: Optional[torch.Tensor] = None
                          ) -> torch.Tensor:
    """Equation 1: ``1/N sum_i 1/(CTHW) || |pred_i - target_i| * F_att_i ||_1``.

    Args:
        pred (Tensor): ``(N, C, T, H, W)`` super-resolved videos.
        target (Tensor): Ground truth of the same shape.
        weight (Tensor, optional): ``F_att``, ``(N, 1, T, H, W)`` (broadcast
            over channels) or the same shape as ``pred``; None is the first
            training stage's ``F_att = 1``. Defaults to None.

    Returns:
        Tensor: The scalar loss.
    """
    if pred.shape != target.shape:
        raise ValueError('the super-resolved video and its target should have '
                         f'the same shape, got {tuple(pred.shape)} and '
                         f'{tuple(target.shape)}')
    diff = (pred - target).abs()
    if weight is not None:
        diff = diff * weight
    return diff.mean()


def attention_l1_norm(att: torch.Tensor) -> torch.Tensor:
    """The sparsity term of equation 2, ``||F_att||_1``, normalised per
    voxel (``mean |F_att|``) so that its weight does not depend on the clip
    size.

    Args:
        att (Tensor): ``(N, 1, T, H, W)`` attention maps.

    Returns:
        Tensor: The scalar penalty.
    """
    return att.abs().mean()
