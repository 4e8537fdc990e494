"""Check, before training, that a distillation teacher knows the dataset's
classes in the dataset's order."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...utils.checkpoint import check_checkpoint_classes


@HOOKS.register_module()
class TeacherCheckHook(Hook):
    """Fail before the first iteration when the teacher checkpoint of a
    ``DualResolutionRecognizer`` was trained on other classes (or another
    class order) than the training dataset's ``metainfo['classes']``.

    A teacher checkpoint without class names (not written by mmengine's
    runner) is accepted with a warning, the number of classes having been
    checked when the model was built.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if getattr(model, 'teacher', None) is None:
            return
        if model.teacher_classes is None:
            runner.logger.warning('the teacher checkpoint records no class '
                                  'names; only their number was checked')
            return
        check_checkpoint_classes(
            model.teacher_classes,
            runner.train_dataloader.dataset.metainfo.get('classes'),
            getattr(model, 'teacher_ckpt', None) or 'checkpoint', 'teacher')
