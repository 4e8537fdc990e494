"""Multi-label head with a second, late-fused stream: a linear classifier
of the clip's motion statistics."""
from typing import Dict

from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn

from .asl_head import ASLHead
from .motion_stats_head import (positive_int, stack_motion_stats,
                                standardize_stats)


@MODELS.register_module()
class MotionStreamHead(ASLHead):
    """:class:`ASLHead` fused late with a motion-statistics stream, as a
    two-stream network fuses its streams' scores.

    The network's stream is :class:`ASLHead` on the pooled backbone
    features. The statistics stream is a linear classifier
    (``fc_stream``) of the whole clip's motion statistics
    (``MotionStatistics`` in the train *and* test pipelines,
    ``data_sample.motion_stats`` after packing), each statistic
    standardised by a ``BatchNorm1d`` without affine parameters (batch
    statistics in training, the running ones for a batch of one and at
    test time). The streams share no weights and each has its own loss:
    ``loss_cls`` of the network's logits and ``loss_stream`` of the
    statistics' logits (the same ``loss_cls`` and label smoothing), so
    neither stream's gradient reaches the other: the two are trained as
    independent models in one run. ``pred_score`` is
    ``(1 - stream_weight) * p_network + stream_weight * p_stream``, the
    network's probability averaged over its test views first; each
    stream's own probability is kept too, as ``network_score`` and
    ``stream_score`` (in ``tools/test.py --dump``).

    The statistics come with the data samples, so the fused score needs
    the recognizer's ``predict`` mode; ``mode='tensor'`` (ONNX export, a
    teacher's cached scores) gives the network's logits alone.

    Args:
        stats_channels (int): Length of ``motion_stats``
            (``MotionStatistics.num_stats``).
        stream_weight (float): Weight of the statistics stream in
            ``pred_score``, in (0, 1). Defaults to 0.5.
        **kwargs: :class:`ASLHead`'s arguments (``num_classes``,
            ``in_channels`` of the backbone features, ``loss_cls``, ...).
    """

    def __init__(self, stats_channels: int, stream_weight: float = 0.5,
                 **kwargs) -> None:
        stats_channels = positive_int(type(self).__name__, 'stats_channels',
                                      stats_channels)
        if isinstance(stream_weight, bool) or not isinstance(
                stream_weight, (int, float)) or not 0 < stream_weight < 1:
            raise ValueError(f'{type(self).__name__}: `stream_weight` should '
                             f'be a number in (0, 1), but got '
                             f'{stream_weight!r}')
        super().__init__(**kwargs)
        self.stats_channels = stats_channels
        self.stream_weight = float(stream_weight)
        self.stats_norm = nn.BatchNorm1d(stats_channels, affine=False)
        self.fc_stream = nn.Linear(stats_channels, self.num_classes)

    def init_weights(self) -> None:
        """Initiate both streams' classifiers."""
        super().init_weights()
        normal_init(self.fc_stream, std=self.init_std)

    def stream_logits(self, data_samples: SampleList, device) -> Tensor:
        """Logits ``(N, num_classes)`` of the statistics stream.

        Raises:
            ValueError: A sample has no ``motion_stats`` of
                ``stats_channels`` values.
        """
        stats = stack_motion_stats(data_samples, self.stats_channels,
                                   type(self).__name__, device)
        return self.fc_stream(
            standardize_stats(self.stats_norm, stats, self.training))

    def loss(self, feats: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """``loss_cls`` of the network's stream and ``loss_stream`` of the
        statistics stream (the loss's own keys, if it returns several,
        get the suffix ``_stream``)."""
        losses = self.loss_by_feat(self(feats, **kwargs), data_samples)
        stream = self.loss_cls_by_feat(
            self.stream_logits(data_samples, feats.device),
            self.stack_labels(data_samples, feats.device))
        for key, value in stream.items():
            losses['loss_stream' if key == 'loss_cls' else
                   f'{key}_stream'] = value
        return losses

    def predict(self, feats: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """``pred_score``: the streams' probabilities, weighted;
        ``network_score`` and ``stream_score``: each stream's own."""
        data_samples = self.predict_by_feat(self(feats, **kwargs),
                                            data_samples)
        stream = self.stream_logits(data_samples, feats.device).sigmoid()
        w = self.stream_weight
        for data_sample, prob in zip(data_samples, stream.detach()):
            network = data_sample.pred_score
            prob = prob.to(network)
            data_sample.set_field(network, 'network_score')
            data_sample.set_field(prob, 'stream_score')
            data_sample.set_pred_score((1 - w) * network + w * prob)
        return data_samples
