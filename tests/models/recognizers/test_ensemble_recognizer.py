"""EnsembleRecognizer3D: members initialised apart, each trained on its own
loss, scored as the mean of their probabilities, member 0 a plain
Recognizer3D, and clear errors."""
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.optim import OptimWrapper

from tiny_action.testing import kd_batch, tiny_recognizer_cfg

C = 3


def ensemble_cfg(members=3, **kw):
    return dict(tiny_recognizer_cfg(C, base_channels=4),
                type='EnsembleRecognizer3D', members=members, **kw)


def build(members=3, seed=0, **kw):
    torch.manual_seed(seed)
    model = MODELS.build(ensemble_cfg(members, **kw))
    model.init_weights()
    return model


def preprocessed(model, training=False, seed=0, n=2):
    data = kd_batch(n, C, clip_shape=(4, 16, 16), seed=seed)
    return model.data_preprocessor(data, training)


def test_members_start_apart_initialised_alike():
    model = build()
    pairs = model.member_pairs()
    assert len(pairs) == 3 and len(model.extra_members) == 2
    # init_weights reaches every member: the head's normal init (std 0.01,
    # zero bias), not torch's default of nn.Linear (uniform, std ~0.1)
    for _, head in pairs:
        assert head.fc_cls.weight.std() < 0.02
        assert not head.fc_cls.bias.any()
    convs = [b.conv1.conv.weight for b, _ in pairs]
    fcs = [h.fc_cls.weight for _, h in pairs]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not torch.equal(convs[i], convs[j])
            assert not torch.equal(fcs[i], fcs[j])


def test_loss_is_each_members_own_loss_and_gradient():
    # eval mode: no dropout draws, so a member's loss alone is reproducible
    model = build().eval()
    data = preprocessed(model, training=True)
    inputs, samples = data['inputs'], data['data_samples']
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'m0.loss_cls', 'm1.loss_cls', 'm2.loss_cls'}
    sum(losses.values()).backward()
    joint = [b.conv1.conv.weight.grad.clone() for b, _ in model.member_pairs()]
    for i, (backbone, head) in enumerate(model.member_pairs()):
        model.zero_grad(set_to_none=True)
        alone = head.loss(model.member_features(backbone, inputs),
                          samples)['loss_cls']
        torch.testing.assert_close(alone, losses[f'm{i}.loss_cls'])
        alone.backward()
        torch.testing.assert_close(backbone.conv1.conv.weight.grad, joint[i])
        assert sum(b.conv1.conv.weight.grad is not None
                   for b, _ in model.member_pairs()) == 1


def test_train_step_trains_every_member():
    model = build().train()
    before = [b.conv1.conv.weight.clone() for b, _ in model.member_pairs()]
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log = model.train_step(kd_batch(2, C, clip_shape=(4, 16, 16)), optim)
    assert {'loss', 'm0.loss_cls', 'm2.loss_cls'} <= set(log)
    torch.testing.assert_close(
        log['loss'], sum(log[f'm{i}.loss_cls'] for i in range(3)))
    for (b, _), w in zip(model.member_pairs(), before):
        assert not torch.equal(b.conv1.conv.weight, w)


@pytest.mark.parametrize('views', [1, 3])
def test_predict_is_the_mean_of_the_members_probabilities(views):
    model = build().eval()
    data = preprocessed(model)
    inputs = data['inputs'].repeat(1, views, 1, 1, 1, 1)
    inputs = inputs + torch.randn_like(inputs)  # views that differ
    with torch.no_grad():
        out = model(inputs, data['data_samples'], mode='predict')
        logits = model(inputs, mode='tensor', stage='head')
    assert len(logits) == 3
    probs = torch.stack([
        lg.view(-1, views, C).sigmoid().mean(1) for lg in logits]).mean(0)
    got = torch.stack([s.pred_score for s in out])
    torch.testing.assert_close(got, probs)
    members = torch.stack([s.member_scores for s in out], dim=1)
    torch.testing.assert_close(members, torch.stack([
        lg.view(-1, views, C).sigmoid().mean(1) for lg in logits]))
    assert out is data['data_samples']


def test_member_zero_is_a_plain_recognizer3d():
    model = build().eval()
    plain = MODELS.build(tiny_recognizer_cfg(C, base_channels=4)).eval()
    state = {k: v for k, v in model.state_dict().items()
             if not k.startswith('extra_members.')}
    plain.load_state_dict(state, strict=True)
    single = build(members=1).eval()
    single.load_state_dict(state, strict=True)
    data = preprocessed(model)
    with torch.no_grad():
        a = plain(**data, mode='predict')
        data = preprocessed(model)
        b = single(**data, mode='predict')
    torch.testing.assert_close(torch.stack([s.pred_score for s in a]),
                               torch.stack([s.pred_score for s in b]))


def test_errors():
    with pytest.raises(ValueError, match='members should be an integer of '
                       'at least 1, got 0'):
        build(members=0)
    with pytest.raises(ValueError, match='does not support a neck'):
        build(neck=dict(type='TPN'))
    with pytest.raises(ValueError, match='max_testing_views'):
        build(test_cfg=dict(max_testing_views=2))
    with pytest.raises(ValueError, match="stage should be 'backbone' or "
                       "'head', got 'neck'"):
        build()(torch.zeros(1, 1, 3, 4, 16, 16), mode='tensor', stage='neck')


def test_onnx_export_gives_the_ensembles_pred_score(tmp_path):
    """ProbabilityModel (behind tools/deployment/export_onnx.py) of an
    ensemble returns its pred_score, in PyTorch and through ONNX Runtime."""
    from tiny_action.tools.deployment import (ProbabilityModel, onnx_session,
                                              run_onnx)
    model = build().eval()
    data = kd_batch(2, C, clip_shape=(4, 16, 16), seed=3)
    with torch.no_grad():
        want = torch.stack([s.pred_score for s in model.test_step(data)])
        wrapped = ProbabilityModel(model).eval()
        clips = torch.stack(data['inputs']).float()
        torch.testing.assert_close(wrapped(clips), want)
    path = str(tmp_path / 'ensemble.onnx')
    torch.onnx.export(wrapped, (clips, ), path, dynamo=False,
                      input_names=['clips'],
                      output_names=['probs'], opset_version=13)
    got = run_onnx(onnx_session(path), clips.numpy())
    np.testing.assert_allclose(got, want.numpy(), atol=1e-5)
