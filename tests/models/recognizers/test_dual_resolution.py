"""DualResolutionRecognizer: frozen teacher, both loss terms reach the
student, student-only inference, cached knowledge, and clear errors."""
import copy
import json

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.runner import save_checkpoint

from tiny_action.testing import kd_batch, tiny_kd_cfg, tiny_recognizer_cfg

C = 5


def recognizer(head='ASLHead', **head_kw):
    return tiny_recognizer_cfg(C, head, **head_kw)


@pytest.fixture
def teacher_ckpt(tmp_path):
    torch.manual_seed(0)
    teacher = MODELS.build(recognizer())
    path = tmp_path / 'teacher.pth'
    save_checkpoint(dict(state_dict=teacher.state_dict(), meta=dict(
        dataset_meta=dict(classes=tuple('abcde')))), str(path))
    return str(path)


def kd_model(teacher_ckpt, **kw):
    return MODELS.build(tiny_kd_cfg(C, teacher_ckpt, **kw))


def batch(n=2, seed=0):
    return kd_batch(n, C, seed=seed)


def test_teacher_frozen_and_unchanged_by_training(teacher_ckpt):
    model = kd_model(teacher_ckpt)
    ref = torch.load(teacher_ckpt)['state_dict']
    before = copy.deepcopy(model.teacher.state_dict())
    for k, v in before.items():
        assert torch.equal(v, ref[k]), f'teacher weight {k} not loaded'
    assert not any(p.requires_grad for p in model.teacher.parameters())
    model.train()
    assert model.student.training and not model.teacher.training
    from mmengine.optim import OptimWrapper
    optim = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.1))
    s_before = copy.deepcopy(model.student.state_dict())
    for step in range(2):
        losses = model.train_step(batch(seed=step), optim)
        assert set(losses) >= {'loss_cls', 'loss_kd'}
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, before[k]), f'teacher {k} changed'
    changed = [k for k, v in model.student.state_dict().items()
               if v.dtype.is_floating_point and not torch.equal(
                   v, s_before[k])]
    assert changed, 'student did not train'


def test_student_gets_gradients_from_both_terms(teacher_ckpt):
    model = kd_model(teacher_ckpt)
    model.train()
    data = model.data_preprocessor(batch(), True)
    for term in ('loss_cls', 'loss_kd'):
        model.zero_grad()
        losses = model(data['inputs'], data['data_samples'], mode='loss')
        losses[term].backward()
        fc = model.student.cls_head.fc_cls.weight.grad
        conv = model.student.backbone.conv1.conv.weight.grad
        assert fc is not None and fc.abs().sum() > 0, term
        assert conv is not None and conv.abs().sum() > 0, term
        assert all(p.grad is None for p in model.teacher.parameters())


def test_knowledge_is_teacher_probabilities(teacher_ckpt):
    model = kd_model(teacher_ckpt).eval()
    data = batch()
    k = model.teacher_knowledge(data['data_samples'])
    sr = model.teacher.data_preprocessor(
        dict(inputs=[s.sr_inputs for s in data['data_samples']],
             data_samples=None), False)['inputs']
    with torch.no_grad():
        expected = model.teacher._forward(sr, stage='head').sigmoid()
    assert torch.allclose(k, expected, atol=1e-6)


def test_predict_runs_student_only(teacher_ckpt, monkeypatch):
    model = kd_model(teacher_ckpt).eval()

    def boom(*a, **k):
        raise AssertionError('teacher ran at test time')

    monkeypatch.setattr(model.teacher, 'forward', boom)
    monkeypatch.setattr(model.teacher, '_forward', boom)
    data = batch()
    for s in data['data_samples']:
        del s.sr_inputs
    out = model.test_step(data)
    assert len(out) == 2 and out[0].pred_score.shape == (C, )
    plain = MODELS.build(recognizer('KDHead'))
    plain.load_state_dict(model.student.state_dict())
    plain.eval()
    ref = plain.test_step(batch())
    assert torch.allclose(out[0].pred_score, ref[0].pred_score, atol=1e-6)


def test_cached_knowledge(tmp_path, teacher_ckpt, monkeypatch):
    cache = tmp_path / 'cache.json'
    scores = {'00000': [0.9] * C, '00001': [0.1] * C}
    cache.write_text(json.dumps(dict(scores=scores, meta={})))
    model = kd_model(teacher_ckpt, knowledge_cache=str(cache))
    assert model.teacher is None  # the teacher is not even built
    data = model.data_preprocessor(batch(), True)
    model.train()(data['inputs'], data['data_samples'], mode='loss')
    got = [s.teacher_score.tolist() for s in data['data_samples']]
    assert got == [pytest.approx([0.9] * C), pytest.approx([0.1] * C)]
    b = batch(n=3)
    with pytest.raises(KeyError, match=r"no entry for clip ids \['00002'\]"):
        model.cached_knowledge(b['data_samples'])


def test_cached_knowledge_follows_a_flipped_sample(tmp_path, teacher_ckpt):
    """The cache stores each video unflipped; a mirrored training sample
    (its label swapped by TailFlipBalance) gets its mirror classes swapped
    in the knowledge too."""
    cache = tmp_path / 'cache.json'
    k = [0.9, 0.1, 0.5, 0.3, 0.2]
    cache.write_text(json.dumps(dict(scores={'00000': k, '00001': k},
                                     meta={})))
    model = kd_model(teacher_ckpt, knowledge_cache=str(cache))
    b = batch()
    for s, flip in zip(b['data_samples'], (False, True)):
        s.set_metainfo(dict(flip=flip, flip_label_pairs=[(0, 1), (3, 4)]))
    got = model.cached_knowledge(b['data_samples'])
    assert got[0].tolist() == pytest.approx(k)
    assert got[1].tolist() == pytest.approx([0.1, 0.9, 0.5, 0.2, 0.3])
    assert model.cache['00001'].tolist() == pytest.approx(k)  # not in place


def test_errors(tmp_path, teacher_ckpt):
    with pytest.raises(FileNotFoundError, match='nope.pth does not exist'):
        kd_model(str(tmp_path / 'nope.pth'))
    other = MODELS.build(dict(recognizer(), cls_head=dict(
        type='ASLHead', num_classes=C, in_channels=64, dropout_ratio=0.3)))
    other.backbone = MODELS.build(dict(
        type='ResNet3d', depth=18, base_channels=16, pretrained=None,
        pretrained2d=False))
    bad = tmp_path / 'bad.pth'
    save_checkpoint(dict(state_dict=other.state_dict()), str(bad))
    with pytest.raises(ValueError, match='does not match the teacher '
                       'architecture.*shape mismatch'):
        kd_model(str(bad))
    with pytest.raises(TypeError, match='must be a KDHead'):
        MODELS.build(dict(type='DualResolutionRecognizer',
                          student=recognizer(), teacher=recognizer(),
                          teacher_ckpt=teacher_ckpt))
    with pytest.raises(ValueError, match='needs a `teacher`'):
        MODELS.build(dict(type='DualResolutionRecognizer',
                          student=recognizer('KDHead')))
    with pytest.raises(ValueError, match='needs `teacher_ckpt`'):
        MODELS.build(dict(type='DualResolutionRecognizer',
                          student=recognizer('KDHead'), teacher=recognizer()))
    with pytest.raises(ValueError, match='teacher predicts 7 classes'):
        MODELS.build(dict(type='DualResolutionRecognizer',
                          student=recognizer('KDHead'), teacher=dict(
                              recognizer(), cls_head=dict(
                                  type='ASLHead', num_classes=7,
                                  in_channels=64)), teacher_ckpt=teacher_ckpt))
    model = kd_model(teacher_ckpt)
    data = batch()
    del data['data_samples'][1].sr_inputs
    with pytest.raises(KeyError, match=r'missing for samples \[1\]'):
        model.teacher_knowledge(data['data_samples'])


def test_teacher_check_hook(teacher_ckpt):
    from types import SimpleNamespace

    from tiny_action.engine import TeacherCheckHook
    model = kd_model(teacher_ckpt)
    assert model.teacher_classes == tuple('abcde')
    runner = SimpleNamespace(model=model, train_dataloader=SimpleNamespace(
        dataset=SimpleNamespace(metainfo=dict(classes=tuple('abcde')))))
    TeacherCheckHook().before_train(runner)
    runner.train_dataloader.dataset.metainfo['classes'] = tuple('abced')
    with pytest.raises(ValueError, match='wrong classes'):
        TeacherCheckHook().before_train(runner)


def test_teacher_of_other_classes_is_refused_when_loaded(teacher_ckpt):
    """The check the teacher cache (tools/misc/cache_teacher.py) and
    tools/test.py share."""
    from tiny_action.models.recognizers import load_checkpoint_strict
    model = MODELS.build(recognizer())
    meta = load_checkpoint_strict(model, teacher_ckpt, 'teacher',
                                  classes=tuple('abcde'))
    assert meta['dataset_meta']['classes'] == tuple('abcde')
    with pytest.raises(ValueError,
                       match=r'^teacher checkpoint .*teacher\.pth was trained '
                       r"on the same 5 classes in another order \(index 3 is "
                       r"'d' in the checkpoint, 'e' in the dataset\)"):
        load_checkpoint_strict(model, teacher_ckpt, 'teacher',
                               classes=tuple('abced'))


def test_student_init_loads_backbone_skips_other_head(tmp_path, teacher_ckpt):
    torch.manual_seed(3)
    pre = MODELS.build(dict(recognizer(), cls_head=dict(
        type='ASLHead', num_classes=7, in_channels=64)))  # "Kinetics" head
    path = tmp_path / 'k400.pth'
    save_checkpoint(dict(state_dict=pre.state_dict()), str(path))
    model = kd_model(teacher_ckpt, student_init=str(path))
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    model.init_weights()
    for k, v in pre.backbone.state_dict().items():
        assert torch.equal(model.student.backbone.state_dict()[k], v), k
    assert model.student.cls_head.fc_cls.weight.shape == (C, 64)
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, teacher_before[k]), f'teacher {k} re-initialised'


def test_student_init_is_a_pretrained_init_cfg(tmp_path, teacher_ckpt):
    model = kd_model(teacher_ckpt, student_init='k400.pth')
    assert model.student.init_cfg == [
        dict(type='Pretrained', checkpoint='k400.pth')]
    # mmaction recognizers take no `init_cfg` argument: it is an attribute
    # of the built student, kept and extended
    student = MODELS.build(recognizer('KDHead'))
    own = dict(type='Kaiming', layer='Conv3d')
    student.init_cfg = own
    model = MODELS.build(dict(
        type='DualResolutionRecognizer', student=student,
        teacher=recognizer(), teacher_ckpt=teacher_ckpt,
        student_init='k400.pth'))
    assert model.student.init_cfg == [
        own, dict(type='Pretrained', checkpoint='k400.pth')]


def test_student_overrides_merge_like_cfg_options():
    from tiny_action.models.recognizers import merge_overrides
    base = recognizer()
    overrides = {'cls_head': dict(type='KDHead', alpha=0.5),
                 'backbone.depth': 34,
                 'data_preprocessor': dict(_delete_=True, type='X')}
    merged = merge_overrides(base, overrides)
    assert merged['cls_head'] == dict(base['cls_head'], type='KDHead',
                                      alpha=0.5)
    assert merged['backbone'] == dict(base['backbone'], depth=34)
    assert merged['data_preprocessor'] == dict(type='X')
    # the arguments are left as they were
    assert base == recognizer()
    assert '_delete_' in overrides['data_preprocessor']


def test_docstring_example_runs():
    """Every example of the module's docstrings runs and prints what it
    shows."""
    import doctest

    from tiny_action.models.recognizers import dual_resolution
    result = doctest.testmod(dual_resolution)
    assert result.attempted >= 10 and result.failed == 0
