"""Refuse a checkpoint that does not fit the model or the dataset's classes
before its weights are copied into the model."""
from typing import Optional, Sequence

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...utils.checkpoint import check_checkpoint_fits


@HOOKS.register_module()
class CheckpointCheckHook(Hook):
    """Check every checkpoint the runner loads (``after_load_checkpoint``,
    called before mmengine copies the weights) with
    :func:`tiny_action.utils.checkpoint.check_checkpoint_fits`: its weights
    must fit the model key for key and shape for shape, and, when it records
    ``meta.dataset_meta.classes``, those must be ``classes`` in the same
    order.

    mmengine's own loading is lenient (``strict=False``): a head of another
    size is only logged as "size mismatch" and stays randomly initialised.
    ``TinyActionRunner.test`` adds this hook, so ``tools/test.py`` refuses
    such a checkpoint before any inference. Fine-tuning from another
    dataset's checkpoint (``load_from``) is not checked unless a config
    adds the hook to ``custom_hooks``.

    Args:
        filename (str, optional): the checkpoint's path, named in the error.
            Defaults to the runner's ``load_from``.
        classes (Sequence[str], optional): the dataset's class names in index
            order. Defaults to None (only the weights are checked).
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 filename: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None) -> None:
        self.filename = filename
        self.classes = tuple(classes) if classes is not None else None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        filename = self.filename or runner.cfg.get('load_from') or \
            'the checkpoint'
        trained = check_checkpoint_fits(model, checkpoint, filename,
                                        self.classes)
        if trained is None and self.classes is not None:
            runner.logger.warning(
                f'{filename} records no class names '
                '(meta.dataset_meta.classes); only their number was checked')
