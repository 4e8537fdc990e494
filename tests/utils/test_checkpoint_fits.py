"""check_checkpoint_fits: weights that fit the model, classes in the
dataset's order, each mismatch named with the file."""
import pytest
import torch
from torch import nn

from tiny_action.utils.checkpoint import (CheckpointMismatchError,
                                          check_checkpoint_fits)

CLASSES = ('walk', 'run', 'carry')


class Tiny(nn.Module):

    def __init__(self, num_classes: int = 3):
        super().__init__()
        self.backbone = nn.Linear(4, 5)
        self.cls_head = nn.Linear(5, num_classes)


def _ckpt(model: nn.Module, classes=CLASSES, prefix: str = '') -> dict:
    meta = {} if classes is None else dict(
        dataset_meta=dict(classes=tuple(classes)))
    return dict(state_dict={prefix + k: v
                            for k, v in model.state_dict().items()},
                meta=meta)


def test_fitting_checkpoint_returns_its_classes():
    model = Tiny()
    assert check_checkpoint_fits(model, _ckpt(model), 'a.pth',
                                 CLASSES) == CLASSES
    # DDP checkpoints (module.*) fit as mmengine loads them
    assert check_checkpoint_fits(model, _ckpt(model, prefix='module.'),
                                 'a.pth', CLASSES) == CLASSES
    # no class names recorded: only the weights are checked
    assert check_checkpoint_fits(model, _ckpt(model, None), 'a.pth',
                                 CLASSES) is None


def _assert_refused(checkpoint: dict, filename: str, match: str,
                    classes=CLASSES, **kwargs) -> None:
    """``check_checkpoint_fits`` of a ``Tiny()`` model raises a
    ``CheckpointMismatchError`` that matches ``match``."""
    with pytest.raises(CheckpointMismatchError, match=match):
        check_checkpoint_fits(Tiny(), checkpoint, filename, classes, **kwargs)


def test_other_class_order_is_refused():
    _assert_refused(
        _ckpt(Tiny(), ('run', 'walk', 'carry')), '/w/a.pth',
        r"^checkpoint /w/a\.pth was trained on the same 3 classes in another "
        r"order \(index 0 is 'run' in the checkpoint, 'walk' in the "
        r"dataset\): its scores would be assigned to the wrong classes")


def test_other_classes_are_refused_before_the_head_size():
    _assert_refused(
        _ckpt(Tiny(2), ('walk', 'fly')), 't.pth',
        r'^teacher checkpoint t\.pth was trained on 2 classes, the dataset '
        r"has 3 \(only in the checkpoint: \['fly'\]; only in the dataset: "
        r"\['carry', 'run'\]\)", role='teacher')


def test_head_of_another_size_is_refused():
    _assert_refused(
        _ckpt(Tiny(2), None), 'b.pth',
        r'^checkpoint b\.pth does not match the model architecture of the '
        r'config: 0 missing keys \[\], 0 unexpected keys \[\], shape '
        r"mismatch in 2 tensors \['cls_head\.bias \(2,\) in the checkpoint, "
        r"\(3,\) in the model', 'cls_head\.weight \(2, 5\) in the "
        r"checkpoint, \(3, 5\) in the model'\]")


def test_missing_and_unexpected_keys_are_refused():
    model = Tiny()
    state = dict(model.state_dict())
    state['extra.weight'] = state.pop('backbone.weight')
    _assert_refused(
        dict(state_dict=state), 'c.pth',
        r"1 missing keys \['backbone\.weight'\], 1 unexpected keys "
        r"\['extra\.weight'\]", classes=None)
    # a bare state dict is a checkpoint too
    assert check_checkpoint_fits(model, model.state_dict(), 'c.pth') is None
    _assert_refused({'w': torch.ones(1)}, 'c.pth', 'c.pth', classes=None)
