import tiny_action  # noqa: F401  (compat shims + registration first)

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from tiny_action.models.heads import ASLHead, KDHead
from tiny_action.models.losses import AsymmetricLoss

NUM_CLASSES, IN_CHANNELS = 4, 6
LABELS = torch.tensor([[1., 0., 0., 1.], [0., 0., 0., 0.], [0., 1., 1., 0.]])
TEACHER = torch.tensor([[.9, .1, .2, .7], [.1, .05, .3, .2], [.2, .8, .6, .1]])


def _samples(teacher=TEACHER):
    samples = []
    for i, label in enumerate(LABELS):
        sample = ActionDataSample().set_gt_label(label)
        if teacher is not None:
            sample.teacher_score = teacher[i]
        samples.append(sample)
    return samples


def _head(**kwargs):
    cfg = dict(type='KDHead', num_classes=NUM_CLASSES, in_channels=IN_CHANNELS)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def _manual_kd(scores, teacher):
    """Equation 1's L_kd: batch mean of (1/C) sum_c (sigmoid(p)_c - k_c)^2."""
    per_sample = ((scores.sigmoid() - teacher)**2).sum(dim=1) / NUM_CLASSES
    return per_sample.mean()


@pytest.mark.parametrize('alpha', [0.0, 0.3, 0.5, 1.0])
def test_equation_1_with_bce(alpha):
    torch.manual_seed(0)
    head = _head(alpha=alpha)
    assert isinstance(head, ASLHead)
    scores = torch.randn(3, NUM_CLASSES)
    losses = head.loss_by_feat(scores, _samples())
    assert set(losses) == {'loss_cls', 'loss_kd'}
    bce = F.binary_cross_entropy_with_logits(scores, LABELS)
    torch.testing.assert_close(losses['loss_cls'], alpha * bce)
    torch.testing.assert_close(losses['loss_kd'],
                               (1 - alpha) * _manual_kd(scores, TEACHER))


def test_default_alpha_and_asl_loss():
    torch.manual_seed(0)
    assert _head().alpha == 0.5
    head = _head(loss_cls=dict(type='AsymmetricLoss', gamma_neg=2.0))
    scores = torch.randn(3, NUM_CLASSES)
    losses = head.loss_by_feat(scores, _samples())
    asl = AsymmetricLoss(gamma_neg=2.0)(scores, LABELS)
    torch.testing.assert_close(losses['loss_cls'], 0.5 * asl)
    torch.testing.assert_close(losses['loss_kd'],
                               0.5 * _manual_kd(scores, TEACHER))


def test_gradients_flow_to_student_only():
    torch.manual_seed(0)
    head = _head(alpha=0.25)
    scores = torch.randn(3, NUM_CLASSES, requires_grad=True)
    teacher = TEACHER.clone().requires_grad_(True)
    losses = head.loss_by_feat(scores, _samples(teacher))
    sum(losses.values()).backward()
    assert teacher.grad is None

    ref = scores.detach().clone().requires_grad_(True)
    total = 0.25 * F.binary_cross_entropy_with_logits(ref, LABELS) + \
        0.75 * _manual_kd(ref, TEACHER)
    total.backward()
    torch.testing.assert_close(scores.grad, ref.grad)


def test_teacher_score_from_metainfo_numpy():
    # cached knowledge may arrive through PackActionInputs meta_keys
    head = _head()
    samples = []
    for label, k in zip(LABELS, TEACHER):
        sample = ActionDataSample(metainfo=dict(teacher_score=k.numpy()))
        samples.append(sample.set_gt_label(label))
    scores = torch.zeros(3, NUM_CLASSES)
    losses = head.loss_by_feat(scores, samples)
    torch.testing.assert_close(losses['loss_kd'],
                               0.5 * _manual_kd(scores, TEACHER))


def test_missing_teacher_is_a_clear_error():
    head = _head()
    with pytest.raises(ValueError, match='KDHead needs a teacher.*'
                       'DualResolutionRecognizer.*cached knowledge'):
        head.loss_by_feat(torch.zeros(3, NUM_CLASSES), _samples(None))


@pytest.mark.parametrize('teacher,match', [
    (torch.zeros(3, NUM_CLASSES + 1), r'shape \(4,\)'),
    (TEACHER * 10 - 5, r'probabilities in \[0, 1\]'),
    (torch.full((3, NUM_CLASSES), float('nan')), 'probabilities'),
])
def test_bad_teacher_score(teacher, match):
    head = _head()
    with pytest.raises(ValueError, match=match):
        head.loss_by_feat(torch.zeros(3, NUM_CLASSES), _samples(teacher))


def test_predict_is_that_of_asl_head():
    torch.manual_seed(0)
    kd = _head(average_clips='score').eval()
    asl = MODELS.build(
        dict(
            type='ASLHead',
            num_classes=NUM_CLASSES,
            in_channels=IN_CHANNELS,
            average_clips='score')).eval()
    asl.load_state_dict(kd.state_dict(), strict=False)
    feat = torch.randn(6, IN_CHANNELS, 1, 2, 2)
    got = kd.predict(feat, _samples(None))
    ref = asl.predict(feat, _samples(None))
    for a, b in zip(got, ref):
        torch.testing.assert_close(a.pred_score, b.pred_score)


@pytest.mark.parametrize('alpha', [-0.1, 1.5, True, '0.5'])
def test_bad_alpha_fails_at_build(alpha):
    with pytest.raises(ValueError, match='`alpha`'):
        _head(alpha=alpha)


def test_head_arguments_are_checked_too():
    with pytest.raises(ValueError, match='`average_clips`'):
        _head(average_clips=None)
    with pytest.raises(TypeError):
        _head(multi_class=True)
    assert np.isclose(_head(alpha=0).alpha, 0.0)


@pytest.mark.parametrize('alpha', [0.0, 0.5])
def test_soft_target_bce_option(alpha):
    torch.manual_seed(0)
    head = _head(alpha=alpha, kd_loss='bce')
    scores = torch.randn(3, NUM_CLASSES, requires_grad=True)
    losses = head.loss_by_feat(scores, _samples())
    soft = F.binary_cross_entropy_with_logits(scores, TEACHER)
    torch.testing.assert_close(losses['loss_kd'], (1 - alpha) * soft)
    # its logit gradient is the label term's form: (sigmoid(p) - k) / (N C)
    losses['loss_kd'].backward()
    expected = (1 - alpha) * (scores.sigmoid() - TEACHER) / scores.numel()
    torch.testing.assert_close(scores.grad, expected.detach())
    assert "kd_loss='bce'" in repr(head)


def test_paper_mse_is_the_default_and_bad_kd_loss_fails():
    assert _head().kd_loss == 'mse'
    with pytest.raises(ValueError, match='`kd_loss`.*mse.*bce'):
        _head(kd_loss='kl')
