import tiny_action  # noqa: F401  (compat shims + registration first)

from functools import partial

import pytest
import torch
import torch.nn.functional as F
from tiny_action.testing import motion_stats_samples, stats_head

NUM_CLASSES, IN_CHANNELS, STATS = 2, 8, 6


_samples = motion_stats_samples
_head = partial(stats_head, 'MotionStreamHead', num_classes=NUM_CLASSES,
                in_channels=IN_CHANNELS, stats_channels=STATS)


def _standardised(stats: torch.Tensor, eps: float) -> torch.Tensor:
    return (stats - stats.mean(0)) / torch.sqrt(
        stats.var(0, unbiased=False) + eps)


def test_each_stream_has_its_own_loss_and_no_gradient_crosses():
    """loss_cls is ASLHead's on the pooled features; loss_stream is the
    same BCE of fc_stream on the batch-standardised statistics; the
    stream's loss gives the features no gradient and the network's loss
    gives fc_stream none."""
    torch.manual_seed(0)
    head = _head()
    head.train()
    feats = torch.randn(4, IN_CHANNELS, 2, 2, 2, requires_grad=True)
    stats = 100 * torch.randn(4, STATS) + 50
    labels = [[1, 0], [0, 1], [1, 0], [0, 1]]
    target = torch.tensor(labels, dtype=torch.float32)
    losses = head.loss(feats, _samples(labels, stats))
    assert set(losses) == {'loss_cls', 'loss_stream'}
    pooled = feats.flatten(2).mean(2)
    torch.testing.assert_close(
        losses['loss_cls'],
        F.binary_cross_entropy_with_logits(head.fc_cls(pooled), target))
    torch.testing.assert_close(
        losses['loss_stream'], F.binary_cross_entropy_with_logits(
            head.fc_stream(_standardised(stats, head.stats_norm.eps)),
            target))
    losses['loss_stream'].backward(retain_graph=True)
    assert feats.grad is None and head.fc_cls.weight.grad is None
    assert head.fc_stream.weight.grad.abs().sum() > 0
    head.fc_stream.zero_grad()
    losses['loss_cls'].backward()
    assert feats.grad.abs().sum() > 0
    assert head.fc_stream.weight.grad is None


def test_prediction_weights_the_streams_probabilities():
    """pred_score = (1 - w) * mean over the views of the network's
    sigmoid + w * the stream's sigmoid on the running statistics, each
    kept as network_score and stream_score; a sample's views share its
    statistics."""
    torch.manual_seed(0)
    head = _head(stream_weight=0.25)
    head.stats_norm.running_mean.fill_(1.0)
    head.stats_norm.running_var.fill_(4.0)
    head.eval()
    feats = torch.randn(6, IN_CHANNELS, 2, 2, 2)  # 2 samples x 3 views
    stats = torch.randn(2, STATS)
    out = head.predict(feats, _samples([[1, 0], [0, 1]], stats))
    net = head.fc_cls(feats.flatten(2).mean(2)).sigmoid().view(
        2, 3, NUM_CLASSES).mean(1)
    stream = head.fc_stream(
        (stats - 1) / (4 + head.stats_norm.eps) ** 0.5).sigmoid()
    expected = 0.75 * net + 0.25 * stream
    for sample, row, n, s in zip(out, expected, net, stream):
        torch.testing.assert_close(sample.pred_score, row.detach())
        torch.testing.assert_close(sample.network_score, n.detach())
        torch.testing.assert_close(sample.stream_score, s.detach())


def test_the_stream_learns_statistics_that_carry_the_label():
    """Trained on statistics whose first entry is the label and features
    that are noise, the stream alone separates the classes."""
    torch.manual_seed(0)
    head = _head()
    opt = torch.optim.Adam(head.parameters(), lr=0.05)
    for _ in range(100):
        y = torch.randint(0, 2, (16,))
        stats = torch.randn(16, STATS)
        stats[:, 0] = 3 * y.float()
        labels = F.one_hot(y, NUM_CLASSES).tolist()
        head.train()
        loss = sum(head.loss(torch.randn(16, IN_CHANNELS, 1, 1, 1),
                             _samples(labels, stats)).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
    head.eval()
    stats = torch.zeros(2, STATS)
    stats[1, 0] = 3
    logits = head.stream_logits(_samples([[1, 0], [0, 1]], stats), 'cpu')
    assert logits[0, 0] > logits[0, 1] and logits[1, 1] > logits[1, 0]


def test_missing_statistics_and_bad_arguments_are_errors():
    head = _head()
    with pytest.raises(ValueError, match=r'sample 1 has None'):
        head.predict(torch.randn(2, IN_CHANNELS, 2, 2, 2),
                     _samples([[1, 0], [0, 1]], [torch.zeros(STATS), None]))
    for bad in (0, 1, -0.5, True, 'x'):
        with pytest.raises(ValueError, match='stream_weight'):
            _head(stream_weight=bad)
    with pytest.raises(ValueError, match='stats_channels'):
        _head(stats_channels=0)
