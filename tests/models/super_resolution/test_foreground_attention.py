"""ForegroundAttention: a map in [0, 1] at the requested size."""
import pytest
import torch

import tiny_action  # noqa: F401
from tiny_action.models.super_resolution import ForegroundAttention


@pytest.mark.parametrize('bias', [-30.0, 0.0, 30.0])
def test_map_in_unit_interval_at_size(bias):
    torch.manual_seed(0)
    att = ForegroundAttention(4, init_bias=bias)
    feats = torch.randn(2, 4, 2, 5, 5) * (100 if bias else 1)
    out = att(feats, (8, 20, 20))
    assert out.shape == (2, 1, 8, 20, 20)
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    if bias == 0.0:
        assert 0.0 < float(out.min()) < float(out.max()) < 1.0


def test_bad_channels():
    with pytest.raises(ValueError, match='in_channels'):
        ForegroundAttention(0)
    with pytest.raises(ValueError, match=r'expects \(N, 4, t, h, w\)'):
        ForegroundAttention(4)(torch.rand(1, 3, 2, 4, 4), (2, 4, 4))
