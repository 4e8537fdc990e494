"""Asymmetric loss (ASL) for multi-label classification.

Ben-Baruch et al., "Asymmetric Loss For Multi-Label Classification", ICCV 2021
(arXiv:2009.14119); reference code: Alibaba-MIIL/ASL,
``src/loss_functions/losses.py::AsymmetricLoss``.
"""
from typing import Optional

import torch
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import MODELS

_REDUCTIONS = ('sum', 'mean', 'none')


@MODELS.register_module()
class AsymmetricLoss(BaseWeightedLoss):
    r"""Asymmetric loss, numerically identical to the official ASL code.

    With :math:`p = \sigma(x)` and the shifted probability
    :math:`p_m = \max(p - m, 0)` (``m`` = ``clip``), every element
    (sample ``n``, class ``c``) contributes

    .. math::

        \ell = -y (1 - p)^{\gamma_+} \log(p)
               - (1 - y) p_m^{\gamma_-} \log(1 - p_m).

    As in the official code, the logs are taken of ``p.clamp(min=eps)`` and
    ``(1 - p_m).clamp(min=eps)``, where ``1 - p_m = min(1 - p + clip, 1)``,
    and the focusing weight is ``(1 - pt) ** (gamma_pos * y + gamma_neg *
    (1 - y))`` with ``pt = p * y + (1 - p_m) * (1 - y)``, so soft targets
    are handled exactly like the official class handles them.

    Differences from the official class: the focusing weight is detached
    from the graph (``detach_focusing=True``) instead of being computed under
    a global ``torch.set_grad_enabled(False)`` toggle (same gradients, no
    side effects on other threads/modules); ``reduction`` and ``loss_weight``
    are configurable; non-finite logits raise a :class:`ValueError` instead
    of silently producing a NaN loss; half-precision logits (AMP) are upcast
    to float32 before the loss, where ``eps`` would otherwise underflow.

    Args:
        gamma_pos (float): Focusing parameter :math:`\gamma_+` of positives.
            The official class defaults to 1, but the official training
            scripts (and the ASL paper's experiments) use 0, which is the
            default here. Defaults to 0.0.
        gamma_neg (float): Focusing parameter :math:`\gamma_-` of negatives.
            Defaults to 4.0.
        clip (float, optional): Probability margin ``m`` of the negative
            probability shifting, in ``[0, 1)``. ``None`` or ``0`` disables
            shifting. Defaults to 0.05.
        eps (float): Lower clamp of the probabilities inside the logs.
            Defaults to 1e-8.
        reduction (str): ``'sum'`` sums over all ``N * C`` elements (the
            official behaviour; the loss then scales with the batch size and
            the number of classes). ``'mean'`` divides that sum by ``N * C``
            (mean over every element, like ``BCELossWithLogits``). ``'none'``
            returns the ``(N, C)`` element-wise loss. Defaults to ``'sum'``.
        loss_weight (float): Factor multiplied on the reduced loss.
            Defaults to 1.0.
        detach_focusing (bool): Compute the focusing weight on detached
            probabilities, i.e. no gradient flows through it (official
            ``disable_torch_grad_focal_loss=True``). Defaults to True.
    """

    def __init__(self,
                 gamma_pos: float = 0.0,
                 gamma_neg: float = 4.0,
                 clip: Optional[float] = 0.05,
                 eps: float = 1e-8,
                 reduction: str = 'sum',
                 loss_weight: float = 1.0,
                 detach_focusing: bool = True) -> None:
        super().__init__(loss_weight=loss_weight)
        for name, value in (('gamma_pos', gamma_pos), ('gamma_neg',
                                                        gamma_neg)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f'`{name}` should be a non-negative number, '
                                 f'but got {value!r}')
        if clip is not None and (not isinstance(clip, (int, float))
                                 or not 0 <= clip < 1):
            raise ValueError('`clip` should be None or a number in [0, 1), '
                             f'but got {clip!r}')
        if not isinstance(eps, (int, float)) or not 0 < eps < 1:
            raise ValueError(
                f'`eps` should be a number in (0, 1), but got {eps!r}')
        if reduction not in _REDUCTIONS:
            raise ValueError(f'`reduction` should be one of {_REDUCTIONS}, '
                             f'but got {reduction!r}')
        if not isinstance(loss_weight, (int, float)):
            raise ValueError(
                f'`loss_weight` should be a number, but got {loss_weight!r}')
        self.gamma_pos = float(gamma_pos)
        self.gamma_neg = float(gamma_neg)
        self.clip = float(clip) if clip else 0.0
        self.eps = float(eps)
        self.reduction = reduction
        self.detach_focusing = bool(detach_focusing)

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                 **kwargs) -> torch.Tensor:
        """Compute the loss (without ``loss_weight``).

        Args:
            cls_score (torch.Tensor): Logits of shape ``(N, C)``.
            label (torch.Tensor): Multi-hot (or soft) targets in ``[0, 1]``
                of shape ``(N, C)``.

        Returns:
            torch.Tensor: A scalar for ``'sum'``/``'mean'``, an ``(N, C)``
            tensor for ``'none'``.
        """
        if kwargs:
            raise TypeError('AsymmetricLoss got unexpected keyword arguments '
                            f'{sorted(kwargs)}')
        if cls_score.dim() != 2 or cls_score.shape != label.shape:
            raise ValueError(
                'AsymmetricLoss expects `cls_score` and `label` of the same '
                f'shape (N, C), but got {tuple(cls_score.shape)} and '
                f'{tuple(label.shape)}')
        if not torch.isfinite(cls_score).all():
            raise ValueError(
                'AsymmetricLoss got non-finite logits (NaN or inf) in '
                '`cls_score`; the model diverged or its input is corrupt')
        if cls_score.dtype in (torch.float16, torch.bfloat16):
            # eps=1e-8 underflows to 0 in half precision (log(0) = -inf,
            # times a 0 target = NaN), so low-precision logits are upcast.
            cls_score = cls_score.float()
        label = label.to(cls_score.dtype)

        xs_pos = torch.sigmoid(cls_score)
        xs_neg = 1 - xs_pos
        if self.clip > 0:
            # 1 - p_m with p_m = max(p - clip, 0)
            xs_neg = (xs_neg + self.clip).clamp(max=1)

        loss = label * torch.log(xs_pos.clamp(min=self.eps)) + \
            (1 - label) * torch.log(xs_neg.clamp(min=self.eps))

        if self.gamma_pos > 0 or self.gamma_neg > 0:
            p_pos, p_neg = xs_pos, xs_neg
            if self.detach_focusing:
                p_pos, p_neg = p_pos.detach(), p_neg.detach()
            pt = p_pos * label + p_neg * (1 - label)
            gamma = self.gamma_pos * label + self.gamma_neg * (1 - label)
            loss = loss * torch.pow(1 - pt, gamma)

        loss = -loss
        if self.reduction == 'sum':
            return loss.sum()
        if self.reduction == 'mean':
            return loss.mean()
        return loss

    def extra_repr(self) -> str:
        """Show the hyper-parameters in ``print(model)``."""
        return (f'gamma_pos={self.gamma_pos}, gamma_neg={self.gamma_neg}, '
                f'clip={self.clip}, eps={self.eps}, '
                f'reduction={self.reduction!r}, '
                f'loss_weight={self.loss_weight}, '
                f'detach_focusing={self.detach_focusing}')
