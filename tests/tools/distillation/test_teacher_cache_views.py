"""Teacher-cache views: a mirrored view's scores of mirrored classes are
swapped back before the views are averaged."""
import torch
from torch import nn

from tiny_action.tools.distillation.teacher_cache import average_views


class HalvesModel(nn.Module):
    """Logits that see direction: class 0 is the mean of the left half of
    the clip, class 1 of the right half, class 2 of the whole clip (a
    mirror-invariant class)."""

    def forward(self, x: torch.Tensor, mode: str = 'tensor',
                stage: str = 'head') -> torch.Tensor:
        assert (mode, stage) == ('tensor', 'head')
        x = x.flatten(0, 1)  # (N * views, C, T, H, W)
        half = x.shape[-1] // 2
        return torch.stack([
            x[..., :half].mean((1, 2, 3, 4)), x[..., half:].mean((1, 2, 3, 4)),
            x.mean((1, 2, 3, 4))
        ], dim=1)


def _inputs() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    inputs = torch.rand(2, 3, 3, 2, 4, 6, generator=g) - 0.5
    inputs[..., :3] += 1.0  # the action is on the left
    return inputs


def test_flipped_view_is_swapped_back():
    model, inputs = HalvesModel(), _inputs()
    plain = average_views(model, inputs, flip=False)
    # a mirror-equivariant teacher: both views agree once swapped back
    both = average_views(model, inputs, flip=True, flip_label_pairs=[(0, 1)])
    assert torch.allclose(both, plain, atol=1e-6)
    assert (plain[:, 0] > plain[:, 1]).all()
    # without the pair, left and right would be blurred into each other
    blurred = average_views(model, inputs, flip=True)
    assert torch.allclose(blurred[:, 0], blurred[:, 1], atol=1e-6)
    assert torch.allclose(blurred[:, 2], plain[:, 2], atol=1e-6)
