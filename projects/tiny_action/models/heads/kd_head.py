"""Multi-label head with dual-resolution knowledge distillation.

Chen, Qiao, Wang, "Low-Resolution Action Recognition for Tiny Actions
Challenge in ActivityNet", section 3, equation 1.
"""
from typing import Dict

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, SampleList
from torch import Tensor

from .asl_head import ASLHead

#: the distillation losses of :class:`KDHead` (``kd_loss``).
KD_LOSSES = ('mse', 'bce')


@MODELS.register_module()
class KDHead(ASLHead):
    r"""Multi-label head trained with labels and a teacher's knowledge.

    Training loss (paper equation 1), for logits :math:`p`, multi-hot labels
    :math:`y` and the teacher's per-class probabilities :math:`k`:

    .. math::

        L = \alpha L_{cls}(p, y) + (1 - \alpha) \frac{1}{N C}
            \sum_{n=1}^{N} \sum_{c=1}^{C} (\sigma(p_{nc}) - k_{nc})^2

    i.e. the distillation term is the per-sample mean squared error between
    the student's sigmoid probabilities and the knowledge, averaged over the
    batch. The two terms are returned separately, each already weighted, as
    ``loss_cls`` (:math:`\alpha L_{cls}`; every ``loss*`` key if
    ``loss_cls`` returns a dict) and ``loss_kd`` (:math:`(1 - \alpha)
    L_{kd}`), so the log shows both and their sum is :math:`L`.

    ``kd_loss`` chooses :math:`L_{kd}`. ``'mse'`` (default) is the paper's
    mean squared error on probabilities above; its gradient with respect to
    a logit is :math:`2 (\sigma(p) - k) \sigma(p) (1 - \sigma(p)) / C`:
    at most half of a cross-entropy's for the same gap
    (:math:`2 \sigma (1 - \sigma) \le 1/2`), and vanishing where the
    student is confident, so the label term tends to dominate (gradient
    norms of both terms on the real proxy: ``benchmarks/
    proxy_surveillance.py``). ``'bce'`` is the binary cross-entropy with the
    teacher's probabilities as soft targets, :math:`-\frac{1}{C} \sum_c
    [k_c \log \sigma(p_c) + (1 - k_c) \log (1 - \sigma(p_c))]`, averaged
    over the batch: its logit gradient :math:`(\sigma(p) - k) / C` has the
    label term's form, so :math:`\alpha` weighs two comparable terms.

    The knowledge comes with each training sample as
    ``data_sample.teacher_score``: a tensor (or array/sequence) of shape
    ``(num_classes,)`` with probabilities in ``[0, 1]``, set either by a
    recognizer that runs the teacher (``DualResolutionRecognizer``) or loaded
    from cached knowledge by the data pipeline. It is treated as a constant
    (no gradient). Testing ignores it: :meth:`predict` is that of
    :class:`ASLHead`.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Number of channels of the input feature.
        loss_cls (dict or ConfigDict): Config of the label loss
            :math:`L_{cls}`; ``dict(type='AsymmetricLoss')`` also works.
            Defaults to ``dict(type='BCELossWithLogits')``.
        alpha (float): Weight :math:`\alpha` of the label loss, in
            ``[0, 1]``; the distillation loss gets :math:`1 - \alpha`.
            Defaults to 0.5.
        kd_loss (str): :math:`L_{kd}`: ``'mse'`` (the paper's, on
            probabilities) or ``'bce'`` (soft-target binary cross-entropy).
            Defaults to ``'mse'``.
        **kwargs: The other arguments of :class:`ASLHead` (``spatial_type``,
            ``dropout_ratio``, ``init_std``, ``average_clips``,
            ``init_cfg``).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss_cls: ConfigType = dict(type='BCELossWithLogits'),
                 alpha: float = 0.5,
                 kd_loss: str = 'mse',
                 **kwargs) -> None:
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) \
                or not 0 <= alpha <= 1:
            raise ValueError('KDHead: `alpha` should be a number in [0, 1], '
                             f'but got {alpha!r}')
        if kd_loss not in KD_LOSSES:
            raise ValueError(f'KDHead: `kd_loss` should be one of {KD_LOSSES}'
                             f', but got {kd_loss!r}')
        super().__init__(num_classes, in_channels, loss_cls, **kwargs)
        self.alpha = float(alpha)
        self.kd_loss = kd_loss

    def stack_teacher_scores(self, data_samples: SampleList,
                             device: torch.device) -> Tensor:
        """Stack the ``teacher_score`` of a batch.

        Args:
            data_samples (list[:obj:`ActionDataSample`]): The batch.
            device (torch.device): Device of the result.

        Returns:
            Tensor: Detached float knowledge of shape ``(N, num_classes)``.

        Raises:
            ValueError: If a sample has no ``teacher_score``, or one has the
                wrong shape or values outside ``[0, 1]``.
        """
        scores = []
        for i, data_sample in enumerate(data_samples):
            score = data_sample.get('teacher_score', None)
            if score is None:
                raise ValueError(
                    f'KDHead needs a teacher: training sample {i} has no '
                    '`teacher_score`. Use a recognizer that runs the teacher '
                    '(DualResolutionRecognizer) or a pipeline that loads '
                    'cached knowledge into `teacher_score`')
            if isinstance(score, Tensor):
                score = score.detach()
            else:
                score = torch.as_tensor(np.asarray(score))
            if score.shape != (self.num_classes, ):
                raise ValueError(
                    f'KDHead expects `teacher_score` of shape '
                    f'({self.num_classes},) (num_classes), but sample {i} '
                    f'has shape {tuple(score.shape)}')
            scores.append(score.to(device=device, dtype=torch.float32))
        scores = torch.stack(scores)
        if not ((scores >= 0) & (scores <= 1)).all():
            raise ValueError(
                'KDHead expects `teacher_score` to be per-class '
                'probabilities in [0, 1] (apply the sigmoid to teacher '
                'logits), but got values in '
                f'[{scores.min().item():.4g}, {scores.max().item():.4g}]')
        return scores

    def loss_by_feat(self, cls_scores: Tensor,
                     data_samples: SampleList) -> Dict[str, Tensor]:
        """Compute ``alpha * L_cls`` and ``(1 - alpha) * L_kd``.

        Args:
            cls_scores (Tensor): Logits of shape ``(N, num_classes)``.
            data_samples (list[:obj:`ActionDataSample`]): The batch, each
                with a multi-hot ``gt_label`` and a ``teacher_score`` of
                shape ``(num_classes,)``.

        Returns:
            dict[str, Tensor]: ``loss_cls`` and ``loss_kd``, both weighted.
        """
        self._check_batch(cls_scores, data_samples)
        labels = self.stack_labels(data_samples, cls_scores.device)
        knowledge = self.stack_teacher_scores(data_samples, cls_scores.device)
        losses = self.loss_cls_by_feat(cls_scores, labels)
        losses = {
            k: v * self.alpha if 'loss' in k else v
            for k, v in losses.items()
        }
        knowledge = knowledge.to(cls_scores.dtype)
        if self.kd_loss == 'bce':
            loss_kd = F.binary_cross_entropy_with_logits(cls_scores, knowledge)
        else:
            loss_kd = F.mse_loss(cls_scores.sigmoid(), knowledge)
        losses['loss_kd'] = (1 - self.alpha) * loss_kd
        return losses

    def extra_repr(self) -> str:
        """Show ``alpha`` and ``kd_loss`` in ``print(model)``."""
        return f'alpha={self.alpha}, kd_loss={self.kd_loss!r}'
