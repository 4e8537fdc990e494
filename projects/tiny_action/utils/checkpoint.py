"""Checking that a checkpoint fits a model, and was trained on a dataset's
classes in the dataset's order, before its weights are used.

One check for every place that loads a trained recognizer: ``tools/test.py``
(:class:`~tiny_action.engine.hooks.CheckpointCheckHook`, added by
``TinyActionRunner.test``), the distillation teacher and the teacher cache
(:func:`tiny_action.models.recognizers.load_checkpoint_strict`).
"""
import re
from typing import Dict, Optional, Sequence, Tuple

from torch import nn

#: mmengine's ``Runner.load_checkpoint`` default: DDP checkpoints' keys
REVISE_KEYS: Tuple[Tuple[str, str], ...] = ((r'^module\.', ''), )


class CheckpointMismatchError(ValueError):
    """A checkpoint does not fit the model it is loaded into, or was trained
    on other classes (or another class order) than the dataset's."""


def checkpoint_classes(checkpoint: dict) -> Optional[Tuple[str, ...]]:
    """The class names an mmengine checkpoint was trained on
    (``meta.dataset_meta.classes``), or None when it records none."""
    meta = checkpoint.get('meta') or {}
    classes = (meta.get('dataset_meta') or {}).get('classes')
    return tuple(classes) if classes else None


def _state_mismatch(model: nn.Module, state: Dict,
                    revise_keys: Sequence[Tuple[str, str]]) -> Optional[str]:
    """What differs between ``model``'s state dict and ``state`` (keys and
    shapes), as one sentence; None when they match."""
    for pattern, repl in revise_keys:
        state = {re.sub(pattern, repl, k): v for k, v in state.items()}
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shape = sorted(
        f'{k} {tuple(getattr(state[k], "shape", ()))} in the checkpoint, '
        f'{tuple(own[k].shape)} in the model'
        for k in set(own) & set(state)
        if tuple(getattr(state[k], 'shape', ())) != tuple(own[k].shape))
    if not (missing or unexpected or shape):
        return None
    return (f'{len(missing)} missing keys {missing[:3]}, {len(unexpected)} '
            f'unexpected keys {unexpected[:3]}, shape mismatch in '
            f'{len(shape)} tensors {shape[:3]}')


def _class_mismatch(trained: Sequence[str],
                    classes: Sequence[str]) -> Optional[str]:
    """How the checkpoint's classes differ from the dataset's; None when
    they are the same names in the same order."""
    trained, classes = tuple(trained), tuple(classes)
    if trained == classes:
        return None
    if sorted(trained) == sorted(classes):
        i = next(i for i, (a, b) in enumerate(zip(trained, classes)) if a != b)
        return (f'the same {len(classes)} classes in another order (index '
                f'{i} is {trained[i]!r} in the checkpoint, {classes[i]!r} in '
                'the dataset)')
    only = [(where, sorted(set(a) - set(b))[:5])
            for where, a, b in (('the checkpoint', trained, classes),
                                ('the dataset', classes, trained))]
    return (f'{len(trained)} classes, the dataset has {len(classes)} ('
            + '; '.join(f'only in {where}: {names}'
                        for where, names in only if names) + ')')


def _subject(filename: str, role: Optional[str]) -> str:
    return f'{role} checkpoint {filename}' if role else \
        f'checkpoint {filename}'


def check_checkpoint_classes(trained: Optional[Sequence[str]],
                             classes: Optional[Sequence[str]],
                             filename: str,
                             role: Optional[str] = None) -> None:
    """Refuse a checkpoint trained on classes ``trained`` for a dataset of
    ``classes`` unless they are the same names in the same order (nothing
    is checked when either is None).

    Raises:
        CheckpointMismatchError: names ``filename`` and the difference.
    """
    if trained is None or classes is None:
        return
    mismatch = _class_mismatch(trained, classes)
    if mismatch:
        raise CheckpointMismatchError(
            f'{_subject(filename, role)} was trained on {mismatch}: its '
            'scores would be assigned to the wrong classes. Checkpoint '
            f'classes: {list(trained)}; dataset classes: {list(classes)}')


def check_checkpoint_fits(
        model: nn.Module,
        checkpoint: dict,
        filename: str,
        classes: Optional[Sequence[str]] = None,
        role: Optional[str] = None,
        revise_keys: Sequence[Tuple[str, str]] = REVISE_KEYS
) -> Optional[Tuple[str, ...]]:
    """Refuse ``checkpoint`` (read from ``filename``) unless its weights fit
    ``model`` key for key and shape for shape, and, when ``classes`` is
    given and the checkpoint records its classes, it was trained on exactly
    these classes in this order (checked first: the more telling message
    when a checkpoint of another dataset also has another head size).

    Args:
        model: the model the weights are for (unwrapped, not DDP).
        checkpoint: the loaded checkpoint (``state_dict`` and ``meta``, or
            a bare state dict).
        filename: where it was read from (named in the error).
        classes: the dataset's class names in index order.
        role: what the checkpoint is for, in the message (``'teacher'``).
            Defaults to None (the model's own checkpoint).
        revise_keys: ``(pattern, replacement)`` applied to the checkpoint's
            keys first, as ``load_checkpoint`` does. Defaults to removing
            DDP's ``module.`` prefix.

    Returns:
        The checkpoint's class names, or None when it records none (then
        only their number was checked, through the head's shape).

    Raises:
        CheckpointMismatchError: the first line names ``filename`` and the
            mismatch.
    """
    trained = checkpoint_classes(checkpoint)
    check_checkpoint_classes(trained, classes, filename, role)
    state = checkpoint.get('state_dict', checkpoint)
    mismatch = _state_mismatch(model, state, revise_keys)
    if mismatch:
        raise CheckpointMismatchError(
            f'{_subject(filename, role)} does not match the '
            f'{role or "model"} architecture of the config: {mismatch} '
            '(trained with another config or another number of classes?)')
    return trained
