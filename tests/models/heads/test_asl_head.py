import tiny_action  # noqa: F401  (compat shims + registration first)

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.registry import DefaultScope
from torch import nn

from tiny_action.models.heads import ASLHead
from tiny_action.models.losses import AsymmetricLoss

NUM_CLASSES, IN_CHANNELS = 5, 8
LABELS = [[1, 0, 0, 1, 0], [0, 0, 0, 0, 0], [0, 1, 1, 1, 1]]


def _samples(labels=LABELS, dtype=torch.float32):
    return [
        ActionDataSample().set_gt_label(torch.tensor(lab, dtype=dtype))
        for lab in labels
    ]


def _head(**kwargs):
    cfg = dict(
        type='ASLHead', num_classes=NUM_CLASSES, in_channels=IN_CHANNELS)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def test_forward_pools_any_feature_shape():
    torch.manual_seed(0)
    head = _head().eval()
    feat = torch.randn(3, IN_CHANNELS, 2, 3, 3)
    scores = head(feat)
    assert scores.shape == (3, NUM_CLASSES)
    pooled = feat.mean(dim=(2, 3, 4))
    torch.testing.assert_close(scores, head(pooled))
    torch.testing.assert_close(scores, head(feat.flatten(2)))
    with pytest.raises(ValueError, match=r'features of shape \(N, 8'):
        head(torch.randn(3, IN_CHANNELS + 1, 2, 2, 2))
    with pytest.raises(ValueError, match='spatial_type=None'):
        _head(spatial_type=None)(feat)


def test_default_loss_is_asl():
    torch.manual_seed(0)
    head = _head()
    assert isinstance(head.loss_cls, AsymmetricLoss)
    scores = torch.randn(3, NUM_CLASSES, requires_grad=True)
    losses = head.loss_by_feat(scores, _samples())
    assert set(losses) == {'loss_cls'}
    expected = AsymmetricLoss()(scores, torch.tensor(LABELS).float())
    torch.testing.assert_close(losses['loss_cls'], expected)
    losses['loss_cls'].backward()
    assert scores.grad is not None


@pytest.mark.parametrize('dtype', [torch.float32, torch.int64])
def test_any_multilabel_loss_works(dtype):
    torch.manual_seed(0)
    head = _head(loss_cls=dict(type='BCELossWithLogits'), dropout_ratio=0)
    feat = torch.randn(3, IN_CHANNELS, 1, 2, 2)
    losses = head.loss(feat, _samples(dtype=dtype))
    expected = F.binary_cross_entropy_with_logits(
        head(feat), torch.tensor(LABELS).float())
    torch.testing.assert_close(losses['loss_cls'], expected)


def test_label_smoothing_moves_binary_targets_towards_one_half():
    torch.manual_seed(0)
    scores = torch.randn(3, NUM_CLASSES)
    bce = dict(type='BCELossWithLogits')
    smooth = _head(loss_cls=bce, label_smooth_eps=0.2)
    got = smooth.loss_by_feat(scores, _samples())['loss_cls']
    # 1 -> 0.9, 0 -> 0.1 for every class (not eps / num_classes)
    targets = torch.tensor(LABELS).float() * 0.8 + 0.1
    torch.testing.assert_close(
        got, F.binary_cross_entropy_with_logits(scores, targets))
    plain = _head(loss_cls=bce).loss_by_feat(scores, _samples())['loss_cls']
    assert not torch.allclose(got, plain)


def test_kd_term_keeps_teacher_scores_unsmoothed():
    torch.manual_seed(0)
    teacher = torch.rand(3, NUM_CLASSES)
    samples = _samples()
    for sample, row in zip(samples, teacher):
        sample.set_field(row, 'teacher_score')
    scores = torch.randn(3, NUM_CLASSES)
    head = MODELS.build(
        dict(type='KDHead', num_classes=NUM_CLASSES, in_channels=IN_CHANNELS,
             loss_cls=dict(type='BCELossWithLogits'), alpha=0.5,
             label_smooth_eps=0.2))
    losses = head.loss_by_feat(scores, samples)
    targets = torch.tensor(LABELS).float() * 0.8 + 0.1
    torch.testing.assert_close(
        losses['loss_cls'],
        0.5 * F.binary_cross_entropy_with_logits(scores, targets))
    torch.testing.assert_close(
        losses['loss_kd'], 0.5 * F.mse_loss(scores.sigmoid(), teacher))


@pytest.mark.parametrize('labels,match', [
    ([[1, 0, 1]] * 3, r'shape \(5,\).*sample 0 has shape \(3,\)'),
    ([[2]] * 3, r'sample 0 has shape \(1,\)'),
])
def test_label_num_classes_mismatch(labels, match):
    head = _head()
    with pytest.raises(ValueError, match=match):
        head.loss_by_feat(torch.randn(3, NUM_CLASSES), _samples(labels))


def test_training_with_several_views_is_rejected():
    head = _head()
    with pytest.raises(ValueError, match='num_clips > 1'):
        head.loss_by_feat(torch.randn(6, NUM_CLASSES), _samples())


@pytest.mark.parametrize('average_clips', ['prob', 'score'])
def test_predict_multi_view_sigmoid_average(average_clips):
    torch.manual_seed(0)
    head = _head(average_clips=average_clips).eval()
    num_views = 4
    feat = torch.randn(3 * num_views, IN_CHANNELS, 1, 2, 2)
    samples = head.predict(feat, _samples())
    logits = head(feat).view(3, num_views, NUM_CLASSES)
    if average_clips == 'prob':
        expected = logits.sigmoid().mean(dim=1)
    else:
        expected = logits.mean(dim=1).sigmoid()
    got = torch.stack([s.pred_score for s in samples])
    torch.testing.assert_close(got, expected)
    assert got.shape == (3, NUM_CLASSES)
    assert ((got > 0) & (got < 1)).all()
    # never softmax: per-sample scores do not sum to one
    assert not torch.allclose(got.sum(dim=1), torch.ones(3))
    assert all('pred_label' not in s for s in samples)


def test_prob_and_score_differ():
    logits = torch.tensor([[4.0, -4.0], [-4.0, 4.0]])
    prob = _head(average_clips='prob').average_clip(logits, num_segs=2)
    score = _head(average_clips='score').average_clip(logits, num_segs=2)
    torch.testing.assert_close(prob, torch.full((1, 2), 0.5))
    torch.testing.assert_close(score, torch.full((1, 2), 0.5))
    logits = torch.tensor([[6.0], [-2.0]])
    prob = _head(num_classes=1, average_clips='prob').average_clip(logits, 2)
    score = _head(num_classes=1, average_clips='score').average_clip(
        logits, 2)
    torch.testing.assert_close(prob, (logits.sigmoid().mean()).view(1, 1))
    torch.testing.assert_close(score, torch.tensor([[2.0]]).sigmoid())


def test_predict_rows_must_be_multiple_of_samples():
    head = _head().eval()
    with pytest.raises(ValueError, match='multiple of the number'):
        head.predict_by_feat(torch.randn(4, NUM_CLASSES), _samples())


class _TinyBackbone(nn.Module):
    """(N, 3, T, H, W) -> (N, IN_CHANNELS, T, H, W)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(3, IN_CHANNELS, 1)

    def forward(self, x):
        return self.conv(x)


def test_inside_recognizer3d_multi_view():
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(
            dict(
                type='Recognizer3D',
                backbone=dict(type=_TinyBackbone),
                cls_head=dict(
                    type='ASLHead',
                    num_classes=NUM_CLASSES,
                    in_channels=IN_CHANNELS,
                    average_clips='prob'))).eval()
    inputs = torch.randn(3, 2, 3, 2, 4, 4)  # N, views, C, T, H, W
    with torch.no_grad():
        samples = model(inputs, _samples(), mode='predict')
        logits = model.cls_head(model.backbone(inputs.flatten(0, 1)))
    expected = logits.view(3, 2, NUM_CLASSES).sigmoid().mean(dim=1)
    got = torch.stack([s.pred_score for s in samples])
    torch.testing.assert_close(got, expected)

    model.train()
    losses = model(inputs[:, :1], _samples(), mode='loss')
    assert set(losses) == {'loss_cls'} and losses['loss_cls'].requires_grad


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_classes=0), '`num_classes`'),
    (dict(in_channels=2.5), '`in_channels`'),
    (dict(spatial_type='max'), '`spatial_type`'),
    (dict(dropout_ratio=1.0), '`dropout_ratio`'),
    (dict(init_std=0), '`init_std`'),
    (dict(average_clips=None), '`average_clips`.*never a softmax'),
    (dict(average_clips='softmax'), '`average_clips`'),
    (dict(label_smooth_eps=1.0), '`label_smooth_eps`'),
    (dict(label_smooth_eps=True), '`label_smooth_eps`'),
])
def test_bad_arguments_fail_at_build(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _head(**kwargs)


def test_numpy_multi_hot_labels_are_accepted():
    # ActionDataSample.set_gt_label turns numpy arrays into int64 tensors
    head = _head(loss_cls=dict(type='BCELossWithLogits'))
    samples = [
        ActionDataSample().set_gt_label(np.array(lab, dtype=np.float32))
        for lab in LABELS
    ]
    assert samples[0].gt_label.dtype == torch.int64
    scores = torch.zeros(3, NUM_CLASSES)
    loss = head.loss_by_feat(scores, samples)['loss_cls']
    torch.testing.assert_close(loss, torch.tensor(np.log(2.0)).float())
