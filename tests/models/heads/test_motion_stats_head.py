import tiny_action  # noqa: F401  (compat shims + registration first)

from functools import partial

import numpy as np
import pytest
import torch
from tiny_action.testing import motion_stats_samples, stats_head

NUM_CLASSES, IN_CHANNELS, STATS = 2, 8, 6


_samples = motion_stats_samples
_head = partial(stats_head, 'MotionStatsHead', num_classes=NUM_CLASSES,
                in_channels=IN_CHANNELS, stats_channels=STATS)


def test_scores_depend_on_the_statistics_and_views_share_them():
    torch.manual_seed(0)
    head = _head()
    head.train()
    head.loss(torch.randn(4, IN_CHANNELS, 2, 2, 2),  # BN running stats
              _samples([[1, 0]] * 4, torch.randn(4, STATS)))
    head.eval()
    feats = torch.randn(2, IN_CHANNELS, 2, 2, 2)
    a = head(feats, torch.zeros(2, STATS))
    b = head(feats, 5 * torch.ones(2, STATS))
    assert a.shape == (2, NUM_CLASSES) and not torch.allclose(a, b)
    # two views per sample: each view is scored with its sample's vector
    stats = torch.randn(2, STATS)
    views = torch.randn(4, IN_CHANNELS, 2, 2, 2)
    scores = head(views, stats)
    for v in range(4):
        one = head(views[v:v + 1], stats[v // 2:v // 2 + 1])
        torch.testing.assert_close(scores[v:v + 1], one)
    out = head.predict(views, _samples([[1, 0], [0, 1]], stats))
    expected = scores.sigmoid().view(2, 2, NUM_CLASSES).mean(1)
    torch.testing.assert_close(
        torch.stack([d.pred_score for d in out]), expected)


def test_the_head_learns_a_label_that_only_the_statistics_carry():
    """Backbone features are noise; the label is the sign of one
    statistic: the head must read its statistics to beat chance."""
    torch.manual_seed(0)
    head = _head(stats_hidden=8)
    opt = torch.optim.Adam(head.parameters(), lr=0.05)
    n = 64
    stats = torch.randn(n, STATS) * 50 + 100  # raw scale, as grey levels
    y = (stats[:, 2] > 100).float()
    labels = torch.stack([y, 1 - y], 1)
    for _ in range(150):
        feats = torch.randn(n, IN_CHANNELS)
        loss = head.loss(feats[:, :, None], _samples(labels, stats))
        opt.zero_grad()
        loss['loss_cls'].backward()
        opt.step()
    head.eval()
    test = torch.randn(200, STATS) * 50 + 100
    out = head.predict(torch.randn(200, IN_CHANNELS, 1),
                       _samples([[0, 0]] * 200, test))
    pred = torch.stack([d.pred_score for d in out])[:, 0] > 0.5
    acc = (pred == (test[:, 2] > 100)).float().mean().item()
    assert acc > 0.85


def test_a_training_batch_of_one_uses_the_running_statistics():
    head = _head()
    head.train()
    head.loss(torch.randn(3, IN_CHANNELS, 1),
              _samples([[1, 0]] * 3, torch.randn(3, STATS)))
    norm = head.stats_norm
    mean, var = norm.running_mean.clone(), norm.running_var.clone()
    stats = torch.randn(1, STATS)
    loss = head.loss(torch.randn(1, IN_CHANNELS, 1), _samples([[1, 0]], stats))
    assert torch.isfinite(loss['loss_cls'])
    torch.testing.assert_close(norm.running_mean, mean)
    expected = (stats - mean) / torch.sqrt(var + norm.eps) * norm.weight \
        + norm.bias
    torch.testing.assert_close(head._normalize(stats), expected)
    assert head.training


def test_missing_or_wrong_statistics_are_named():
    head = _head()
    with pytest.raises(ValueError, match=r'sample 1 has None'):
        head.loss(torch.randn(2, IN_CHANNELS, 1),
                  _samples([[1, 0], [0, 1]], [torch.zeros(STATS), None]))
    with pytest.raises(ValueError, match=r'shape \(6,\).*sample 0 has \(5,\)'):
        head.predict(torch.randn(1, IN_CHANNELS, 1),
                     _samples([[1, 0]], [torch.zeros(5)]))
    with pytest.raises(ValueError, match='motion statistics'):
        head(torch.randn(2, IN_CHANNELS))
    with pytest.raises(ValueError, match='stats_channels'):
        _head(stats_channels=0)
    # a length computed with numpy (MotionStatistics.num_stats) is fine
    assert _head(stats_channels=np.int64(STATS)).stats_channels == STATS
