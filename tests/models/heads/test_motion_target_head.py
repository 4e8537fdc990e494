import tiny_action  # noqa: F401  (compat shims + registration first)

from functools import partial

import pytest
import torch
import torch.nn.functional as F
from tiny_action.testing import motion_stats_samples, stats_head

NUM_CLASSES, IN_CHANNELS, STATS = 2, 8, 6


_samples = motion_stats_samples
_head = partial(stats_head, 'MotionTargetHead', num_classes=NUM_CLASSES,
                in_channels=IN_CHANNELS, stats_channels=STATS)


def test_loss_adds_the_weighted_regression_of_the_standardised_stats():
    """loss_cls is ASLHead's on the same features; loss_aux is aux_weight
    times the MSE of fc_aux(pooled) against the batch-standardised
    statistics, whose gradient reaches the features."""
    torch.manual_seed(0)
    head = _head(aux_weight=0.5)
    head.train()
    feats = torch.randn(4, IN_CHANNELS, 2, 2, 2, requires_grad=True)
    stats = 100 * torch.randn(4, STATS) + 50
    labels = [[1, 0], [0, 1], [1, 0], [0, 1]]
    losses = head.loss(feats, _samples(labels, stats))
    pooled = feats.flatten(2).mean(2)
    target = (stats - stats.mean(0)) / torch.sqrt(
        stats.var(0, unbiased=False) + head.stats_norm.eps)
    torch.testing.assert_close(
        losses['loss_aux'], 0.5 * F.mse_loss(head.fc_aux(pooled), target))
    torch.testing.assert_close(
        losses['loss_cls'], F.binary_cross_entropy_with_logits(
            head.fc_cls(pooled), torch.tensor(labels, dtype=torch.float32)))
    losses['loss_aux'].backward()
    assert feats.grad is not None and feats.grad.abs().sum() > 0
    # the running statistics moved towards the batch's
    assert head.stats_norm.running_mean.abs().sum() > 0


def test_prediction_needs_no_statistics_and_learning_reads_them():
    """predict and forward run on features alone; a regressor trained on
    features that carry the statistics fits them (the aux loss falls)."""
    torch.manual_seed(0)
    head = _head(aux_weight=1.0)
    head.eval()
    out = head.predict(torch.randn(2, IN_CHANNELS, 2, 2, 2),
                       _samples([[1, 0], [0, 1]], [None, None]))
    assert all(d.pred_score.shape == (NUM_CLASSES,) for d in out)
    head.train()
    opt = torch.optim.SGD(head.parameters(), lr=0.1)
    mix = torch.randn(IN_CHANNELS, STATS)
    first = last = None
    for _ in range(200):
        feats = torch.randn(16, IN_CHANNELS)
        stats = feats @ mix
        loss = head.loss(feats[..., None, None, None],
                         _samples([[1, 0]] * 16, stats))['loss_aux']
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
        last = loss.item()
    assert last < 0.5 * first  # 1.0 -> about 0.25


def test_missing_statistics_and_bad_arguments_are_errors():
    head = _head()
    with pytest.raises(ValueError, match=r'sample 1 has None'):
        head.loss(torch.randn(2, IN_CHANNELS, 2, 2, 2),
                  _samples([[1, 0], [0, 1]], [torch.zeros(STATS), None]))
    with pytest.raises(ValueError, match=r'sample 0 has \(3,\)'):
        head.loss(torch.randn(1, IN_CHANNELS, 2, 2, 2),
                  _samples([[1, 0]], [torch.zeros(3)]))
    for bad in (0, -1.0, True, 'x'):
        with pytest.raises(ValueError, match='aux_weight'):
            _head(aux_weight=bad)
    with pytest.raises(ValueError, match='stats_channels'):
        _head(stats_channels=0)
