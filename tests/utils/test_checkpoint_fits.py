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


def test_other_class_order_is_refused():
    model = Tiny()
    with pytest.raises(CheckpointMismatchError,
                       match=r"^checkpoint /w/a\.pth was trained on the same "
                       r"3 classes in another order \(index 0 is 'run' in the "
                       r"checkpoint, 'walk' in the dataset\): its scores "
                       'would be assigned to the wrong classes'):
        check_checkpoint_fits(model, _ckpt(model, ('run', 'walk', 'carry')),
                              '/w/a.pth', CLASSES)


def test_other_classes_are_refused_before_the_head_size():
    model = Tiny()
    other = Tiny(2)
    with pytest.raises(CheckpointMismatchError,
                       match=r"^teacher checkpoint t\.pth was trained on 2 "
                       r'classes, the dataset has 3 \(only in the '
                       r"checkpoint: \['fly'\]; only in the dataset: "
                       r"\['carry', 'run'\]\)"):
        check_checkpoint_fits(model, _ckpt(other, ('walk', 'fly')), 't.pth',
                              CLASSES, role='teacher')


def test_head_of_another_size_is_refused():
    model = Tiny()
    with pytest.raises(CheckpointMismatchError,
                       match=r'^checkpoint b\.pth does not match the model '
                       r'architecture of the config: 0 missing keys \[\], 0 '
                       r'unexpected keys \[\], shape mismatch in 2 tensors '
                       r"\['cls_head\.bias \(2,\) in the checkpoint, \(3,\) "
                       r"in the model', 'cls_head\.weight \(2, 5\) in the "
                       r"checkpoint, \(3, 5\) in the model'\]"):
        check_checkpoint_fits(model, _ckpt(Tiny(2), None), 'b.pth', CLASSES)


def test_missing_and_unexpected_keys_are_refused():
    model = Tiny()
    state = dict(model.state_dict())
    state['extra.weight'] = state.pop('backbone.weight')
    with pytest.raises(CheckpointMismatchError,
                       match=r"1 missing keys \['backbone\.weight'\], 1 "
                       r"unexpected keys \['extra\.weight'\]"):
        check_checkpoint_fits(model, dict(state_dict=state), 'c.pth')
    # a bare state dict is a checkpoint too
    assert check_checkpoint_fits(model, model.state_dict(), 'c.pth') is None
    with pytest.raises(CheckpointMismatchError, match='c.pth'):
        check_checkpoint_fits(model, {'w': torch.ones(1)}, 'c.pth')
