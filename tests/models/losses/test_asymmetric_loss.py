import tiny_action  # noqa: F401  (compat shims + registration first)

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

from tiny_action.models.losses import AsymmetricLoss


class OfficialASL(torch.nn.Module):
    """Straight transcription of Alibaba-MIIL/ASL
    ``src/loss_functions/losses.py::AsymmetricLoss`` (the reference)."""

    def __init__(self, gamma_neg=4, gamma_pos=1, clip=0.05, eps=1e-8,
                 disable_torch_grad_focal_loss=True):
        super().__init__()
        self.gamma_neg = gamma_neg
        self.gamma_pos = gamma_pos
        self.clip = clip
        self.disable_torch_grad_focal_loss = disable_torch_grad_focal_loss
        self.eps = eps

    def forward(self, x, y):
        x_sigmoid = torch.sigmoid(x)
        xs_pos = x_sigmoid
        xs_neg = 1 - x_sigmoid
        if self.clip is not None and self.clip > 0:
            xs_neg = (xs_neg + self.clip).clamp(max=1)
        los_pos = y * torch.log(xs_pos.clamp(min=self.eps))
        los_neg = (1 - y) * torch.log(xs_neg.clamp(min=self.eps))
        loss = los_pos + los_neg
        if self.gamma_neg > 0 or self.gamma_pos > 0:
            if self.disable_torch_grad_focal_loss:
                torch.set_grad_enabled(False)
            pt0 = xs_pos * y
            pt1 = xs_neg * (1 - y)
            pt = pt0 + pt1
            one_sided_gamma = self.gamma_pos * y + self.gamma_neg * (1 - y)
            one_sided_w = torch.pow(1 - pt, one_sided_gamma)
            if self.disable_torch_grad_focal_loss:
                torch.set_grad_enabled(True)
            loss *= one_sided_w
        return -loss.sum()


def _inputs(n=6, c=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, c, generator=g, dtype=torch.float64) * 3
    labels = (torch.rand(n, c, generator=g) < 0.3).to(torch.float64)
    return logits, labels


def _value_and_grad(loss_fn, logits, labels):
    x = logits.clone().requires_grad_(True)
    loss = loss_fn(x, labels)
    loss.backward()
    return loss.detach(), x.grad


@pytest.mark.parametrize('gamma_pos,gamma_neg,clip', [
    (0.0, 4.0, 0.05),
    (1.0, 4.0, 0.05),
    (2.0, 3.0, None),
    (0.0, 0.0, 0.0),
    (1.0, 2.0, 0.3),
])
@pytest.mark.parametrize('reduction', ['sum', 'mean'])
@pytest.mark.parametrize('detach', [True, False])
def test_matches_official(gamma_pos, gamma_neg, clip, reduction, detach):
    logits, labels = _inputs()
    ours = AsymmetricLoss(
        gamma_pos=gamma_pos,
        gamma_neg=gamma_neg,
        clip=clip,
        reduction=reduction,
        detach_focusing=detach)
    ref = OfficialASL(
        gamma_neg=gamma_neg,
        gamma_pos=gamma_pos,
        clip=clip,
        disable_torch_grad_focal_loss=detach)
    scale = 1.0 if reduction == 'sum' else 1.0 / labels.numel()
    value, grad = _value_and_grad(ours, logits, labels)
    ref_value, ref_grad = _value_and_grad(ref, logits, labels)
    torch.testing.assert_close(value, ref_value * scale)
    torch.testing.assert_close(grad, ref_grad * scale)


def test_none_reduction_and_loss_weight():
    logits, labels = _inputs()
    elementwise = AsymmetricLoss(reduction='none')(logits, labels)
    assert elementwise.shape == labels.shape
    total = AsymmetricLoss(reduction='sum')(logits, labels)
    torch.testing.assert_close(elementwise.sum(), total)
    weighted = AsymmetricLoss(loss_weight=0.25)(logits, labels)
    torch.testing.assert_close(weighted, 0.25 * total)


def test_no_focusing_no_clip_is_bce():
    logits, labels = _inputs()
    loss = AsymmetricLoss(gamma_pos=0, gamma_neg=0, clip=0,
                          reduction='mean')(logits, labels)
    torch.testing.assert_close(
        loss, F.binary_cross_entropy_with_logits(logits, labels))


def test_detach_changes_gradient_not_value():
    logits, labels = _inputs()
    v1, g1 = _value_and_grad(AsymmetricLoss(gamma_pos=1.0), logits, labels)
    v2, g2 = _value_and_grad(
        AsymmetricLoss(gamma_pos=1.0, detach_focusing=False), logits, labels)
    torch.testing.assert_close(v1, v2)
    assert not torch.allclose(g1, g2)


def test_half_precision_logits_are_upcast():
    logits, labels = _inputs()
    logits[0, 0] = -30.0  # sigmoid underflows to 0 in half precision
    half = logits.to(torch.float16)
    loss = AsymmetricLoss()(half, labels.to(torch.float16))
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    torch.testing.assert_close(
        loss, AsymmetricLoss()(half.float(), labels.float()))


def test_grad_mode_is_left_alone():
    logits, labels = _inputs()
    with torch.no_grad():
        AsymmetricLoss()(logits, labels)
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


@pytest.mark.parametrize('bad', [float('nan'), float('inf'), -float('inf')])
def test_non_finite_logits_raise(bad):
    logits, labels = _inputs()
    logits[2, 3] = bad
    with pytest.raises(ValueError, match='non-finite logits'):
        AsymmetricLoss()(logits, labels)


def test_shape_mismatch_raises():
    logits, labels = _inputs()
    with pytest.raises(ValueError, match='same shape'):
        AsymmetricLoss()(logits, labels[:, :3])


@pytest.mark.parametrize('kwargs,match', [
    (dict(gamma_neg=-1), '`gamma_neg`'),
    (dict(gamma_pos='1'), '`gamma_pos`'),
    (dict(clip=1.0), '`clip`'),
    (dict(eps=0), '`eps`'),
    (dict(reduction='avg'), '`reduction`'),
])
def test_bad_arguments_fail_at_build(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(dict(type='AsymmetricLoss', **kwargs))


def test_build_from_registry_defaults():
    loss = MODELS.build(dict(type='AsymmetricLoss'))
    assert (loss.gamma_pos, loss.gamma_neg, loss.clip, loss.eps,
            loss.reduction, loss.detach_focusing) == (0.0, 4.0, 0.05, 1e-8,
                                                      'sum', True)
