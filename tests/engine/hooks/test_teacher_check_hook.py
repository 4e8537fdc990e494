"""TeacherCheckHook: nothing to check without a teacher, a warning when the
teacher checkpoint names no classes, and the check also through a DDP
wrapper (the hook unwraps the model)."""
from types import SimpleNamespace

import pytest
import torch.distributed as dist
from mmaction.registry import MODELS
from mmengine.logging import MMLogger
from mmengine.runner import save_checkpoint

from tiny_action.engine import DeviceAgnosticDDP, TeacherCheckHook
from tiny_action.testing import single_rank_launch, tiny_kd_cfg

CLASSES = ('a', 'b', 'c')


def _kd_model(tmp_path, classes=CLASSES):
    teacher = MODELS.build(tiny_kd_cfg(3)['teacher'])
    meta = dict(dataset_meta=dict(classes=classes)) if classes else {}
    path = str(tmp_path / 'teacher.pth')
    save_checkpoint(dict(state_dict=teacher.state_dict(), meta=meta), path)
    return MODELS.build(tiny_kd_cfg(3, path))


def _runner(model, classes=CLASSES, logger=None):
    return SimpleNamespace(
        model=model, logger=logger,
        train_dataloader=SimpleNamespace(
            dataset=SimpleNamespace(metainfo=dict(classes=classes))))


def test_no_teacher_nothing_to_check():
    model = SimpleNamespace(teacher=None, teacher_classes=None)
    TeacherCheckHook().before_train(_runner(model, classes=('x', )))
    TeacherCheckHook().before_train(_runner(SimpleNamespace()))


def test_teacher_without_class_names_warns(tmp_path):
    log_file = tmp_path / 'hook.log'
    logger = MMLogger.get_instance('test_teacher_check_hook',
                                   log_file=str(log_file))
    model = _kd_model(tmp_path, classes=None)
    assert model.teacher_classes is None
    TeacherCheckHook().before_train(_runner(model, logger=logger))
    assert 'records no class names' in log_file.read_text()


def test_checks_through_a_ddp_wrapper(tmp_path):
    model = _kd_model(tmp_path)
    with single_rank_launch():
        dist.init_process_group('gloo')
        wrapped = DeviceAgnosticDDP(model)
        TeacherCheckHook().before_train(_runner(wrapped))
        with pytest.raises(ValueError, match='wrong classes'):
            TeacherCheckHook().before_train(
                _runner(wrapped, classes=('a', 'c', 'b')))


def test_registered_with_high_priority():
    from mmaction.registry import HOOKS
    hook = HOOKS.build(dict(type='TeacherCheckHook'))
    assert isinstance(hook, TeacherCheckHook)
    assert hook.priority == 'VERY_HIGH'
