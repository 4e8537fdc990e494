"""DVSR: output shapes at every growth step, the fade-in formula, the
interpolation start, and clear errors for impossible configurations."""
import pytest
import torch

import tiny_action  # noqa: F401
from tiny_action.models.super_resolution import DVSR, resize_video


def small(**kw) -> DVSR:
    cfg = dict(scale=8, in_frames=16, mid_channels=4, growth_channels=2)
    cfg.update(kw)
    torch.manual_seed(0)
    return DVSR(**cfg)


def randomize(net: DVSR) -> DVSR:
    """Random weights everywhere (the projections start at zero)."""
    torch.manual_seed(1)
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 0.1)
    return net


@pytest.mark.parametrize('kw, frames', [
    (dict(scale=8, in_frames=16), (4, 8, 16)),  # the paper's 16 -> 4, 8, 16
    (dict(scale=4, in_frames=8), (4, 8)),
    (dict(scale=4, in_frames=6, temporal_growth=False), (6, 6)),
])
def test_shapes_at_every_step_and_alpha(kw, frames):
    net = small(start_step=1, **kw)
    x = torch.rand(2, 3, kw['in_frames'], 7, 5)
    for step, t in enumerate(frames, start=1):
        for alpha in (0.0, 0.5, 1.0):
            net.set_progress(step, alpha)
            out, feats = net(x, return_features=True)
            expected = (2, 3, t, 7 * 2**step, 5 * 2**step)
            assert tuple(out.shape) == expected, (step, alpha)
            assert net.output_shape((7, 5)) == expected[2:]
            assert tuple(feats.shape) == (2, 4, net.base_frames, 7, 5)
    expected_base = frames[0] // 2 if net.temporal_growth else frames[0]
    assert net.base_frames == expected_base


def _manual(net: DVSR, x: torch.Tensor, alpha: float) -> torch.Tensor:
    """Equations of section IV-A-2 written out with the net's parts (step
    2 of 3)."""
    h = net.temporal_reduce(net.act(net.conv_first(x)))
    h_prev = net.encoder_blocks[0](h)
    h = (1 - alpha) * h_prev + alpha * net.encoder_blocks[1](h_prev)
    d = net._up_stage(0, h)
    prev = net.projections[0](d) + resize_video(x, (8, 14, 14))
    new = net.projections[1](net._up_stage(1, d)) + resize_video(
        x, (16, 28, 28))
    up = resize_video(prev, (16, 28, 28), spatial_mode='bilinear')
    return (1 - alpha) * up + alpha * new


@pytest.mark.parametrize('alpha', [0.0, 0.5, 1.0])
def test_fade_in_equals_the_formula(alpha):
    net = randomize(small(scale=8, in_frames=32, start_step=1))
    x = torch.rand(1, 3, 32, 7, 7)
    net.set_progress(2, alpha)
    with torch.no_grad():
        torch.testing.assert_close(net(x), _manual(net, x, alpha))


def test_alpha_zero_is_the_previous_step_upsampled():
    net = randomize(small(scale=4, in_frames=8, start_step=1))
    x = torch.rand(2, 3, 8, 6, 6)
    with torch.no_grad():
        net.set_progress(1)
        before = net(x)
        net.set_progress(2, 0.0)
        after = net(x)
    upsampled = resize_video(before, (8, 24, 24), spatial_mode='bilinear')
    torch.testing.assert_close(after, upsampled)
    net.set_progress(2, 1.0)  # the new blocks take over
    with torch.no_grad():
        assert (net(x) - upsampled).abs().max() > 1e-3


def test_untrained_net_is_the_interpolated_input():
    net = small(scale=4, in_frames=8)
    x = torch.rand(1, 3, 8, 5, 5)
    torch.testing.assert_close(net(x), resize_video(x, (8, 20, 20)))


def test_first_step_ignores_alpha_and_state_is_in_state_dict():
    net = small(scale=4, in_frames=8, start_step=1)
    net.set_progress(1, 0.3)
    assert float(net.alpha) == 1.0 and not net.fading
    net.set_progress(2, 0.3)
    assert net.fading
    state = net.state_dict()
    assert int(state['step']) == 2 and float(state['alpha']) == \
        pytest.approx(0.3)
    other = small(scale=4, in_frames=8)
    other.load_state_dict(state)
    assert other.current_step == 2 and float(other.alpha) == \
        pytest.approx(0.3)


@pytest.mark.parametrize('kw, match', [
    (dict(scale=6), r'reachable by x2 growth steps \(2, 4, 8'),
    (dict(scale=1), 'reachable by x2 growth steps'),
    (dict(scale=8, in_frames=4), 'in_frames=4 is too short for DVSR x8'),
    (dict(scale=4, in_frames=10), 'must be a multiple of 4'),
    (dict(scale=4, in_frames=8, start_step=3), 'growth steps 1 .. 2'),
])
def test_bad_configs(kw, match):
    with pytest.raises(ValueError, match=match):
        small(**kw)


def test_bad_inputs_and_progress():
    net = small(scale=4, in_frames=8)
    with pytest.raises(ValueError, match=r'expects \(N, 3, 8, h, w\)'):
        net(torch.rand(1, 3, 7, 5, 5))
    with pytest.raises(ValueError, match=r'alpha should be in \[0, 1\]'):
        net.set_progress(2, 1.5)
    with pytest.raises(ValueError, match='growth steps 1 .. 2, got step 0'):
        net.set_progress(0)
