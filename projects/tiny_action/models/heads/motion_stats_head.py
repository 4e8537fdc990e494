"""Multi-label head that also reads the clip's motion statistics."""
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn

from .asl_head import ASLHead


def positive_int(head: str, name: str, value) -> int:
    """``value`` as an int, checked to be a positive integer (not a bool).

    Raises:
        ValueError: naming ``head``'s argument ``name``.
    """
    if isinstance(value, bool) or not isinstance(
            value, (int, np.integer)) or value < 1:
        raise ValueError(f'{head}: `{name}` should be a positive integer, '
                         f'but got {value!r}')
    return int(value)


def stack_motion_stats(data_samples: SampleList, channels: int, head: str,
                       device: torch.device) -> Tensor:
    """The batch's ``motion_stats`` as a float ``(N, channels)`` tensor
    (``head``: the head's name, for the error).

    Raises:
        ValueError: A sample has no ``motion_stats`` or one of another
            length.
    """
    stats: List[Tensor] = []
    for i, data_sample in enumerate(data_samples):
        value = data_sample.get('motion_stats')
        if value is None or tuple(value.shape) != (channels,):
            found = None if value is None else tuple(value.shape)
            raise ValueError(
                f'{head} expects data_sample.motion_stats of shape '
                f'({channels},) (MotionStatistics in the pipeline), but '
                f'sample {i} has {found}')
        stats.append(value)
    return torch.stack(stats).to(device=device, dtype=torch.float32)


def standardize_stats(norm: nn.BatchNorm1d, stats: Tensor,
                      training: bool) -> Tensor:
    """``norm`` of ``stats`` ``(N, channels)``: batch statistics in
    training (updating the running ones), but the running statistics for
    a training batch of one (which has no variance) and at test time."""
    if training and stats.shape[0] == 1:
        return F.batch_norm(stats, norm.running_mean, norm.running_var,
                            norm.weight, norm.bias, False, 0.0, norm.eps)
    return norm(stats)


@MODELS.register_module()
class MotionStatsHead(ASLHead):
    """:class:`ASLHead` whose classifier also sees a clip-level vector: the
    motion statistics of the whole clip (``MotionStatistics`` in the
    pipeline, ``data_sample.motion_stats`` after packing).

    The vector is batch-normalised (its entries range from fractions to
    grey levels), mapped by ``Linear(stats_channels, stats_hidden)`` and a
    ReLU, and concatenated to the pooled backbone features; dropout and
    the linear classifier act on the concatenation. A training batch of
    one sample is normalised with the running statistics (a batch of one
    has no variance). Test views of one sample share its vector.

    The statistics come with the data samples, so the head works through
    the recognizer's ``loss`` and ``predict`` modes only: ``mode='tensor'``
    (ONNX export, a teacher's cached scores, ``stage='head'``) raises an
    error naming the missing statistics.

    Args:
        stats_channels (int): Length of ``motion_stats``
            (``MotionStatistics.num_stats``).
        stats_hidden (int): Units of the statistics branch. Defaults to 32.
        **kwargs: :class:`ASLHead`'s arguments (``num_classes``,
            ``in_channels`` of the backbone features, ``loss_cls``, ...).
    """

    def __init__(self, stats_channels: int, stats_hidden: int = 32,
                 **kwargs) -> None:
        stats_channels = positive_int(type(self).__name__, 'stats_channels',
                                      stats_channels)
        stats_hidden = positive_int(type(self).__name__, 'stats_hidden',
                                    stats_hidden)
        super().__init__(**kwargs)
        self.stats_channels = stats_channels
        self.stats_norm = nn.BatchNorm1d(stats_channels)
        self.stats_fc = nn.Linear(stats_channels, stats_hidden)
        self.fc_cls = nn.Linear(self.in_channels + stats_hidden,
                                self.num_classes)

    def init_weights(self) -> None:
        """Initiate the classifier and the statistics branch."""
        super().init_weights()
        normal_init(self.stats_fc, std=self.init_std)

    def stack_stats(self, data_samples: SampleList,
                    device: torch.device) -> Tensor:
        """The batch's ``motion_stats`` (:func:`stack_motion_stats`)."""
        return stack_motion_stats(data_samples, self.stats_channels,
                                  type(self).__name__, device)

    def _normalize(self, stats: Tensor) -> Tensor:
        return standardize_stats(self.stats_norm, stats, self.training)

    def forward(self, x: Tensor, stats: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """Logits ``(N * views, num_classes)`` of features
        ``(N * views, in_channels, ...)`` and statistics
        ``(N, stats_channels)`` (views of a sample consecutive).

        Raises:
            ValueError: ``stats`` is missing or does not match ``x``.
        """
        if stats is None:
            raise ValueError(f'{type(self).__name__} needs the clips\' '
                             'motion statistics (call loss / predict with '
                             'data samples that carry motion_stats)')
        x = self.pool(x)
        if x.shape[0] % stats.shape[0]:
            raise ValueError(
                f'{type(self).__name__} expects features (N * views, '
                f'{self.in_channels}, ...) for {stats.shape[0]} samples, but '
                f'got {x.shape[0]} rows')
        branch = F.relu(self.stats_fc(self._normalize(stats)))
        branch = branch.repeat_interleave(x.shape[0] // stats.shape[0], 0)
        return self.classify(torch.cat([x, branch], dim=1))

    def loss(self, feats: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """Loss of the batch (its samples carry ``motion_stats``)."""
        stats = self.stack_stats(data_samples, feats.device)
        return self.loss_by_feat(self(feats, stats, **kwargs), data_samples)

    def predict(self, feats: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """``pred_score`` of the batch (its samples carry
        ``motion_stats``)."""
        stats = self.stack_stats(data_samples, feats.device)
        return self.predict_by_feat(self(feats, stats, **kwargs),
                                    data_samples)
