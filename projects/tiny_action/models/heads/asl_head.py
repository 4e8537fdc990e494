"""Generic multi-label classification head (sigmoid scores, multi-hot labels).

Used with the asymmetric loss (ASL, Ben-Baruch et al. 2021) by default, but
any element-wise multi-label loss of mmaction's ``MODELS`` registry works,
e.g. ``dict(type='BCELossWithLogits')``.
"""
from typing import Dict, Optional

import torch
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, SampleList
from mmengine.model.weight_init import normal_init
from torch import Tensor, nn

_AVERAGE_CLIPS = ('score', 'prob')
_SPATIAL_TYPES = ('avg', None)


@MODELS.register_module()
class ASLHead(BaseHead):
    """Multi-label head: average pooling, dropout and a linear classifier.

    The head is the multi-label counterpart of mmaction's ``I3DHead``. All
    labels are multi-hot: each ``data_sample.gt_label`` must be a tensor of
    shape ``(num_classes,)`` with values in ``[0, 1]`` (integer 0/1 tensors
    are converted to float). Index labels (shape ``(1,)``) are rejected with
    an error, because they mean the dataset was not built as multi-label.

    Test time: :meth:`predict` stores per-class *probabilities* (sigmoid, never
    softmax) of shape ``(num_classes,)`` in ``data_sample.pred_score``. When a
    sample is tested with several views (clips x crops), ``average_clips``
    decides how they are merged. ``pred_label`` is not set: binarising the
    probabilities is the job of the metric (per-class thresholds).

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Number of channels of the input feature.
        loss_cls (dict or ConfigDict): Config of the classification loss,
            called as ``loss(cls_score (N, C) logits, label (N, C) float)``.
            Defaults to ``dict(type='AsymmetricLoss')``.
        spatial_type (str, optional): ``'avg'`` averages every dimension after
            the channel one (e.g. ``(N, C, T, H, W)`` -> ``(N, C)``), ``None``
            expects already pooled ``(N, in_channels)`` features.
            Defaults to ``'avg'``.
        dropout_ratio (float): Dropout probability before the classifier, in
            ``[0, 1)``. Defaults to 0.5.
        init_std (float): Std of the normal init of the classifier weights.
            Defaults to 0.01.
        average_clips (str): How the views of one sample are merged at test
            time: ``'prob'`` applies the sigmoid to each view, then averages
            the probabilities; ``'score'`` averages the logits, then applies
            the sigmoid. Defaults to ``'prob'``.
        label_smooth_eps (float): Label smoothing of the classification
            targets, in ``[0, 1)``: each class's binary target ``y`` becomes
            ``y * (1 - eps) + eps / 2``, the two-outcome form of mmaction's
            ``label_smooth_eps`` (which divides by ``num_classes``, the
            softmax form). Only ``loss_cls`` sees smoothed targets (a KD
            term's teacher scores are left as they are). Defaults to 0.
        init_cfg (dict, optional): Config to control the initialization.
            Defaults to None.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss_cls: ConfigType = dict(type='AsymmetricLoss'),
                 spatial_type: Optional[str] = 'avg',
                 dropout_ratio: float = 0.5,
                 init_std: float = 0.01,
                 average_clips: str = 'prob',
                 label_smooth_eps: float = 0.,
                 init_cfg: Optional[Dict] = None) -> None:
        head = type(self).__name__
        for name, value in (('num_classes', num_classes), ('in_channels',
                                                            in_channels)):
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 1:
                raise ValueError(f'{head}: `{name}` should be a positive '
                                 f'integer, but got {value!r}')
        if spatial_type not in _SPATIAL_TYPES:
            raise ValueError(f'{head}: `spatial_type` should be one of '
                             f'{_SPATIAL_TYPES}, but got {spatial_type!r}')
        if not isinstance(dropout_ratio, (int, float)) \
                or not 0 <= dropout_ratio < 1:
            raise ValueError(f'{head}: `dropout_ratio` should be a number in '
                             f'[0, 1), but got {dropout_ratio!r}')
        if not isinstance(init_std, (int, float)) or init_std <= 0:
            raise ValueError(f'{head}: `init_std` should be a positive '
                             f'number, but got {init_std!r}')
        if isinstance(label_smooth_eps, bool) or not isinstance(
                label_smooth_eps, (int, float)) or not 0 <= label_smooth_eps < 1:
            raise ValueError(f'{head}: `label_smooth_eps` should be a number '
                             f'in [0, 1), but got {label_smooth_eps!r}')
        if average_clips not in _AVERAGE_CLIPS:
            raise ValueError(
                f'{head}: `average_clips` should be one of {_AVERAGE_CLIPS} '
                '(multi-label scores are merged with a sigmoid, never a '
                f'softmax), but got {average_clips!r}')
        super().__init__(
            num_classes,
            in_channels,
            loss_cls,
            multi_class=True,
            label_smooth_eps=float(label_smooth_eps),
            average_clips=average_clips,
            init_cfg=init_cfg)
        self.spatial_type = spatial_type
        self.dropout_ratio = dropout_ratio
        self.init_std = init_std
        self.dropout = nn.Dropout(p=dropout_ratio) if dropout_ratio else None
        self.fc_cls = nn.Linear(in_channels, num_classes)

    def init_weights(self) -> None:
        """Initiate the classifier from scratch."""
        normal_init(self.fc_cls, std=self.init_std)

    def forward(self, x: Tensor, **kwargs) -> Tensor:
        """Compute logits.

        Args:
            x (Tensor): Features of shape ``(N, in_channels, ...)``; with
                ``spatial_type=None`` exactly ``(N, in_channels)``.
            kwargs: Ignored (recognizers pass e.g. ``fcn_test``).

        Returns:
            Tensor: Logits of shape ``(N, num_classes)``.
        """
        return self.classify(self.pool(x))

    def pool(self, x: Tensor) -> Tensor:
        """Pooled features ``(N, in_channels)`` of features
        ``(N, in_channels, ...)`` (``spatial_type``).

        Raises:
            ValueError: The features do not have ``in_channels`` channels.
        """
        if self.spatial_type == 'avg' and x.dim() > 2:
            x = x.flatten(2).mean(dim=2)
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'{type(self).__name__} expects features of shape (N, '
                f'{self.in_channels}, ...) (spatial_type={self.spatial_type!r}'
                f'), but got {tuple(x.shape)}')
        return x

    def classify(self, x: Tensor) -> Tensor:
        """Logits of pooled features: dropout, then ``fc_cls``."""
        if self.dropout is not None:
            x = self.dropout(x)
        return self.fc_cls(x)

    def stack_labels(self, data_samples: SampleList,
                     device: torch.device) -> Tensor:
        """Stack the multi-hot ``gt_label`` of a batch.

        Args:
            data_samples (list[:obj:`ActionDataSample`]): The batch.
            device (torch.device): Device of the result.

        Returns:
            Tensor: Float labels of shape ``(N, num_classes)``.

        Raises:
            ValueError: If a label is not a ``(num_classes,)`` vector.
        """
        labels = []
        for i, data_sample in enumerate(data_samples):
            label = data_sample.gt_label
            if label.shape != (self.num_classes, ):
                raise ValueError(
                    f'{type(self).__name__} expects multi-hot `gt_label` of '
                    f'shape ({self.num_classes},) (num_classes), but sample '
                    f'{i} has shape {tuple(label.shape)}; build the dataset '
                    'as multi-label with the same num_classes as the head')
            labels.append(label)
        return torch.stack(labels).to(device=device, dtype=torch.float32)

    def _check_batch(self, cls_scores: Tensor,
                     data_samples: SampleList) -> None:
        """Check one score row per sample (training uses one view)."""
        if cls_scores.shape[0] != len(data_samples):
            raise ValueError(
                f'{type(self).__name__} got {cls_scores.shape[0]} score rows '
                f'for {len(data_samples)} samples; training with several '
                'views per sample (num_clips > 1) is not supported')

    def loss_cls_by_feat(self, cls_scores: Tensor,
                         labels: Tensor) -> Dict[str, Tensor]:
        """Apply ``loss_cls`` to the targets smoothed by
        ``label_smooth_eps``; a tensor result is returned as ``loss_cls``.

        Args:
            cls_scores (Tensor): Logits of shape ``(N, num_classes)``.
            labels (Tensor): Float labels of shape ``(N, num_classes)``.

        Returns:
            dict[str, Tensor]: ``{'loss_cls': loss}``, or the loss's own dict
            if it returns one.
        """
        if self.label_smooth_eps:
            eps = self.label_smooth_eps
            labels = labels * (1 - eps) + eps / 2
        loss = self.loss_cls(cls_scores, labels)
        if isinstance(loss, dict):
            return dict(loss)
        return dict(loss_cls=loss)

    def loss_by_feat(self, cls_scores: Tensor,
                     data_samples: SampleList) -> Dict[str, Tensor]:
        """Compute the multi-label classification loss.

        Args:
            cls_scores (Tensor): Logits of shape ``(N, num_classes)``.
            data_samples (list[:obj:`ActionDataSample`]): The batch, each
                with a multi-hot ``gt_label`` of shape ``(num_classes,)``.

        Returns:
            dict[str, Tensor]: Loss components (``loss_cls``).
        """
        self._check_batch(cls_scores, data_samples)
        labels = self.stack_labels(data_samples, cls_scores.device)
        return self.loss_cls_by_feat(cls_scores, labels)

    def predict_by_feat(self, cls_scores: Tensor,
                        data_samples: SampleList) -> SampleList:
        """Store per-class probabilities in ``pred_score``.

        Args:
            cls_scores (Tensor): Logits of shape
                ``(N * num_views, num_classes)``, views of one sample
                consecutive (as mmaction recognizers produce them).
            data_samples (list[:obj:`ActionDataSample`]): The ``N`` samples.

        Returns:
            list[:obj:`ActionDataSample`]: The samples with ``pred_score``
            (float tensor of shape ``(num_classes,)``, values in ``[0, 1]``).
        """
        if cls_scores.shape[0] % len(data_samples) != 0:
            raise ValueError(
                f'{type(self).__name__} got {cls_scores.shape[0]} score rows '
                f'for {len(data_samples)} samples; the number of rows must '
                'be a multiple of the number of samples')
        num_segs = cls_scores.shape[0] // len(data_samples)
        probs = self.average_clip(cls_scores, num_segs=num_segs).detach()
        for data_sample, prob in zip(data_samples, probs):
            data_sample.set_pred_score(prob)
        return data_samples

    def average_clip(self, cls_scores: Tensor, num_segs: int = 1) -> Tensor:
        """Merge the views of each sample into per-class probabilities.

        Unlike mmaction's ``BaseHead.average_clip`` this always returns
        probabilities: ``'prob'`` = mean of the sigmoids, ``'score'`` =
        sigmoid of the mean logit.

        Args:
            cls_scores (Tensor): Logits of shape
                ``(N * num_segs, num_classes)``.
            num_segs (int): Number of views per sample. Defaults to 1.

        Returns:
            Tensor: Probabilities of shape ``(N, num_classes)``.
        """
        scores = cls_scores.view(-1, num_segs, cls_scores.shape[-1])
        if self.average_clips == 'prob':
            return scores.sigmoid().mean(dim=1)
        return scores.mean(dim=1).sigmoid()
