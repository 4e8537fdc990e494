"""Check, before training, that a distillation teacher knows the dataset's
classes in the dataset's order."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


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
        classes = runner.train_dataloader.dataset.metainfo.get('classes')
        teacher_classes = model.teacher_classes
        if teacher_classes is None:
            runner.logger.warning('the teacher checkpoint records no class '
                                  'names; only their number was checked')
            return
        if classes is not None and tuple(classes) != tuple(teacher_classes):
            raise ValueError(
                'the teacher was trained on classes '
                f'{list(teacher_classes)} but the training dataset has '
                f'{list(classes)}: the teacher knowledge would be assigned '
                'to the wrong classes')
