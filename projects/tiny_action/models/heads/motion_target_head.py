"""Multi-label head that also learns to predict the clip's motion
statistics (an auxiliary target of training)."""
from typing import Dict

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn

from .asl_head import ASLHead
from .motion_stats_head import (positive_int, stack_motion_stats,
                                standardize_stats)


@MODELS.register_module()
class MotionTargetHead(ASLHead):
    """:class:`ASLHead` trained to also predict the whole clip's motion
    statistics (``MotionStatistics`` in the *train* pipeline,
    ``data_sample.motion_stats`` after packing) from the pooled backbone
    features: many regression targets per clip besides its few labels,
    which pull the backbone towards the motion the handcrafted reference
    classifies well.

    ``loss_aux = aux_weight * MSE(fc_aux(pooled), standardised stats)``,
    each statistic standardised by a ``BatchNorm1d`` without affine
    parameters (the batch's statistics in training, the running ones for a
    batch of one); the targets carry no gradient. The class scores are
    :class:`ASLHead`'s, from the same pooled features: prediction and
    ``mode='tensor'`` need no statistics, so test pipelines leave
    ``MotionStatistics`` out.

    Args:
        stats_channels (int): Length of ``motion_stats``
            (``MotionStatistics.num_stats``).
        aux_weight (float): Weight of ``loss_aux``, positive. Defaults
            to 1.
        **kwargs: :class:`ASLHead`'s arguments (``num_classes``,
            ``in_channels``, ``loss_cls``, ...).
    """

    def __init__(self, stats_channels: int, aux_weight: float = 1.0,
                 **kwargs) -> None:
        stats_channels = positive_int(type(self).__name__, 'stats_channels',
                                      stats_channels)
        if isinstance(aux_weight, bool) or not isinstance(
                aux_weight, (int, float)) or not aux_weight > 0:
            raise ValueError(f'{type(self).__name__}: `aux_weight` should be '
                             f'a positive number, but got {aux_weight!r}')
        super().__init__(**kwargs)
        self.stats_channels = stats_channels
        self.aux_weight = float(aux_weight)
        self.stats_norm = nn.BatchNorm1d(stats_channels, affine=False)
        self.fc_aux = nn.Linear(self.in_channels, stats_channels)

    def init_weights(self) -> None:
        """Initiate the classifier and the statistics regressor."""
        super().init_weights()
        normal_init(self.fc_aux, std=self.init_std)

    def loss(self, feats: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """``loss_cls`` of the batch and ``loss_aux`` of its samples'
        ``motion_stats``.

        Raises:
            ValueError: A sample has no ``motion_stats`` of
                ``stats_channels`` values.
        """
        pooled = self.pool(feats)
        losses = self.loss_by_feat(self.classify(pooled), data_samples)
        stats = stack_motion_stats(data_samples, self.stats_channels,
                                   type(self).__name__, feats.device)
        with torch.no_grad():
            target = standardize_stats(self.stats_norm, stats, self.training)
        losses['loss_aux'] = self.aux_weight * F.mse_loss(
            self.fc_aux(pooled), target)
        return losses
