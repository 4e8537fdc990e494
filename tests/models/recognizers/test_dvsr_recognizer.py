"""DVSRRecognizer: the losses of the three stages (equations 1, 3 and 4) on
hand-computed batches, the attention map's range and sparsity, frozen
generators, checkpoints from the middle of growth, and clear errors."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.optim import OptimWrapper
from mmengine.runner import save_checkpoint

from tiny_action.models.losses import attention_l1_norm, attention_weighted_l1
from tiny_action.models.super_resolution import resize_video
from tiny_action.testing import tiny_recognizer_cfg

C = 3  # classes
T, S = 8, 6  # LR clip: 8 frames of 6 x 6; x4 -> 24 x 24


def classifier(loss_weight: float = 1.0) -> dict:
    cfg = tiny_recognizer_cfg(
        C, base_channels=4, dropout_ratio=0.0,
        loss_cls=dict(type='BCELossWithLogits', loss_weight=loss_weight))
    cfg['data_preprocessor'].update(mean=[120.0, 110.0, 100.0],
                                    std=[50.0, 60.0, 70.0])
    return cfg


def recognizer(stage='joint', **kw) -> torch.nn.Module:
    torch.manual_seed(0)
    cfg = dict(
        type='DVSRRecognizer', stage=stage,
        generator=dict(type='DVSR', scale=4, in_frames=T, mid_channels=4,
                       growth_channels=2),
        attention=dict(type='ForegroundAttention', in_channels=4),
        classifier=classifier(kw.pop('loss_weight', 1.0)))
    cfg.update(kw)
    return MODELS.build(cfg)


def batch(n=2, hr_size=4 * S, seed=0) -> dict:
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(n):
        inputs.append(torch.randint(0, 256, (1, 3, T, S, S), generator=g,
                                    dtype=torch.uint8))
        s = ActionDataSample()
        label = torch.zeros(C)
        label[i % C] = 1
        s.set_field(label, 'gt_label')
        s.set_field(torch.randint(0, 256, (1, 3, T, hr_size, hr_size),
                                  generator=g, dtype=torch.uint8),
                    'sr_inputs')
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def total(losses: dict) -> torch.Tensor:
    return sum(v for k, v in losses.items() if 'loss' in k)


def test_stage2_loss_is_equation_3_by_hand():
    model = recognizer('joint', lambda_rec=1.0, lambda_att=0.5)
    data = model.data_preprocessor(batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_rec', 'att.loss_cls', 'loss_att_l1'}

    lr = data['inputs'][:, 0]
    assert float(lr.max()) <= 1.0  # scaled to [0, 1]
    sr, feats = model.generator(lr, return_features=True)
    att = model.attention(feats, sr.shape[2:])
    hr = torch.stack([s.sr_inputs for s in data['data_samples']])[:, 0]
    hr = hr.float() / 255
    l_rec = ((sr - hr).abs() * att).mean()  # eq. 1
    mean = torch.tensor([120.0, 110.0, 100.0]).view(1, 3, 1, 1, 1)
    std = torch.tensor([50.0, 60.0, 70.0]).view(1, 3, 1, 1, 1)
    logits = model.classifier._forward(
        ((sr * att * 255 - mean) / std)[:, None], stage='head')
    y = torch.stack([s.gt_label for s in data['data_samples']])
    p = logits.sigmoid()
    bce = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
    l_att = bce + 0.5 * att.abs().mean()  # eq. 2
    expected = 1.0 * l_rec + 0.5 * l_att  # eq. 3
    torch.testing.assert_close(total(losses), expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(losses['loss_rec'], l_rec)


def test_loss_functions_on_numbers():
    pred = torch.tensor([0.0, 0.5, 1.0, 0.25]).view(1, 1, 1, 2, 2)
    target = torch.tensor([1.0, 0.5, 0.0, 0.75]).view(1, 1, 1, 2, 2)
    weight = torch.tensor([1.0, 1.0, 0.0, 0.5]).view(1, 1, 1, 2, 2)
    assert float(attention_weighted_l1(pred, target)) == pytest.approx(0.625)
    # |diff| = 1, 0, 1, 0.5; weighted: 1 + 0 + 0 + 0.25
    assert float(attention_weighted_l1(pred, target, weight)) == \
        pytest.approx(1.25 / 4)
    assert float(attention_l1_norm(weight)) == pytest.approx(2.5 / 4)
    with pytest.raises(ValueError, match='same shape'):
        attention_weighted_l1(pred, target[..., :1])


def test_attention_in_unit_interval_and_l1_pushes_it_down():
    # the classifier term is exactly zero (loss weight 0): only the L1
    # penalty (and the reconstruction, which does not reach the map) acts
    model = recognizer('joint', loss_weight=0.0)
    model.train()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=50.0))

    def mean_map():
        with torch.no_grad():
            data = model.data_preprocessor(batch(), False)
            att = model.super_resolve(data['inputs'][:, 0], True)['att']
        assert float(att.min()) >= 0 and float(att.max()) <= 1
        return float(att.mean())

    means = [mean_map()]
    for step in range(3):
        losses = model.train_step(batch(seed=step), optim)
        assert float(losses['att.loss_cls']) == 0.0
        means.append(mean_map())
    assert means[-1] < means[0] - 0.05, means
    assert all(b < a for a, b in zip(means, means[1:])), means


def test_reconstruction_term_does_not_reach_the_attention():
    model = recognizer('joint')
    data = model.data_preprocessor(batch(), True)
    losses = model(**data, mode='loss')
    losses['loss_rec'].backward()
    assert all(p.grad is None or not p.grad.any()
               for p in model.attention.parameters())
    assert any(p.grad is not None and p.grad.any()
               for p in model.generator.parameters())


def test_stage1_l1_against_area_downscaled_target_at_step_1():
    model = recognizer('sr', classifier=None, attention=None,
                       generator=dict(type='DVSR', scale=4, in_frames=T,
                                      mid_channels=4, growth_channels=2,
                                      start_step=1))
    data = model.data_preprocessor(batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_rec'}
    sr = model.generator(data['inputs'][:, 0])
    assert sr.shape[2:] == (4, 12, 12)  # step 1: x2, 4 frames
    hr = torch.stack([s.sr_inputs for s in data['data_samples']])[:, 0]
    hr = F.avg_pool3d(hr.float() / 255, 2)  # (8, 24, 24) -> (4, 12, 12)
    torch.testing.assert_close(losses['loss_rec'], (sr - hr).abs().mean())


def test_stage_cls_freezes_the_generator_and_predicts():
    model = recognizer('cls', attention=None)
    assert not model.train_generator
    model.train()
    assert not model.generator.training and model.classifier.training
    before = copy.deepcopy(model.generator.state_dict())
    optim = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.1))
    losses = model.train_step(batch(), optim)
    assert set(losses) >= {'loss_cls'}
    for k, v in model.generator.state_dict().items():
        assert torch.equal(v, before[k]), k
    model.eval()
    out = model.val_step(batch(n=3))
    assert len(out) == 3 and out[0].pred_score.shape == (C, )


def test_bicubic_stand_in_and_sr_predictions():
    model = recognizer('sr', generator=None, classifier=None, attention=None,
                       scale=4)
    data = batch(n=2)
    out = model.val_step(data)
    lr = torch.stack(data['inputs']).float()[:, 0] / 255
    expected = resize_video(lr, (T, 24, 24)).clamp(0, 1)
    torch.testing.assert_close(out[0].pred_sr[0], expected[0])
    hr = data['data_samples'][1].sr_inputs.float() / 255
    torch.testing.assert_close(out[1].gt_sr, hr)
    with pytest.raises(ValueError, match='nothing to train'):
        model.train_step(batch(), OptimWrapper(torch.optim.SGD(
            [torch.nn.Parameter(torch.zeros(1))], lr=0.1)))


def test_generator_checkpoint_loads_and_mid_growth_is_refused(tmp_path):
    stage1 = recognizer('sr', classifier=None, attention=None)
    path = tmp_path / 'stage1.pth'
    save_checkpoint(dict(state_dict=stage1.state_dict()), str(path))
    model = recognizer('cls', attention=None, generator_ckpt=str(path))
    model.init_weights()
    for k, v in stage1.generator.state_dict().items():
        assert torch.equal(model.generator.state_dict()[k], v), k

    stage1.generator.set_progress(2, 0.4)
    save_checkpoint(dict(state_dict=stage1.state_dict()), str(path))
    model = recognizer('joint', generator_ckpt=str(path))
    with pytest.raises(ValueError, match='at step 2 with alpha 0.400'):
        model.init_weights()
    model = recognizer('cls', generator_ckpt=str(tmp_path / 'none.pth'))
    with pytest.raises(FileNotFoundError, match='none.pth does not exist'):
        model.init_weights()


def test_classifier_init_from_a_dvsr_recognizer(tmp_path):
    trained = recognizer('cls', attention=None)
    with torch.no_grad():
        for p in trained.classifier.parameters():
            p.add_(1.0)
    path = tmp_path / 'cls.pth'
    save_checkpoint(dict(state_dict=trained.state_dict()), str(path))
    model = recognizer('joint', classifier_init=str(path))
    model.init_weights()
    for k, v in trained.classifier.state_dict().items():
        assert torch.equal(model.classifier.state_dict()[k], v), k
    # a plain recognizer checkpoint with another head size (e.g. K400)
    other = MODELS.build(dict(classifier(), cls_head=dict(
        classifier()['cls_head'], num_classes=7)))
    save_checkpoint(dict(state_dict=other.state_dict()), str(path))
    model = recognizer('cls', attention=None, classifier_init=str(path))
    model.init_weights()
    own = model.classifier.state_dict()
    for k, v in other.state_dict().items():
        if k.startswith('backbone.'):
            assert torch.equal(own[k], v), k
    assert own['cls_head.fc_cls.weight'].shape == (C, 32)


@pytest.mark.parametrize('kw, err, match', [
    (dict(stage='bad'), ValueError, '`stage` should be one of'),
    (dict(stage='joint', attention=None), ValueError, 'needs a `generator`'),
    (dict(stage='cls', classifier=None), ValueError, 'needs a `classifier`'),
    (dict(attention=dict(type='ForegroundAttention', in_channels=8)),
     ValueError, 'takes 8 channels but the generator encoder gives 4'),
    (dict(stage='sr', generator=None), ValueError, 'give the bicubic'),
    (dict(stage='sr', train_generator=False), ValueError,
     'leaves nothing to learn'),
    (dict(scale=8), ValueError, 'disagrees with the generator'),
])
def test_bad_configs(kw, err, match):
    with pytest.raises(err, match=match):
        recognizer(**kw)


def test_missing_or_small_twins():
    model = recognizer('joint')
    data = model.data_preprocessor(batch(hr_size=12), True)
    with pytest.raises(ValueError, match='at least as large'):
        model(**data, mode='loss')
    data = batch()
    for s in data['data_samples']:
        del s.sr_inputs
    data = model.data_preprocessor(data, True)
    with pytest.raises(KeyError, match='SyntheticLowRes'):
        model(**data, mode='loss')
