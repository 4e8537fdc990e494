"""Batch augmentations applied by the data preprocessor in training, the
way mmaction2's ``MixupBlending`` is (``data_preprocessor.blending``)."""
from typing import List, Sequence, Tuple

import torch
from mmaction.registry import MODELS
from mmaction.utils import SampleList


@MODELS.register_module()
class ModalityDropout:
    """Drop one input modality of a training sample now and then.

    A sample whose channels stack several modalities (e.g. the RGB frame
    and the motion energy of ``SegmentMotion('rgb+energy')``: channels
    ``[0, 1, 2]`` and ``[3, 4, 5]``) has, with probability ``prob``, one
    of its ``groups`` (drawn uniformly) set to zero. It runs after the
    normalisation, so zero is the group's train mean: the network sees "no
    information" there rather than a black frame. A network that must
    sometimes decide from each modality alone cannot lean on one of them
    (for CCTV clips, the scene that names the camera) and ignore the
    other. Labels are left as they are; nothing changes at test time (the
    preprocessor applies ``blending`` only in training).

    Args:
        groups (Sequence[Sequence[int]]): Channel indices of each modality,
            at least two groups, no channel in two of them.
        prob (float): Probability that a sample loses one group, in
            ``[0, 1]``. Defaults to 0.5.

    Example:
        >>> data_preprocessor = dict(
        ...     type='ActionDataPreprocessor', format_shape='NCTHW',
        ...     blending=dict(type='ModalityDropout',
        ...                   groups=[[0, 1, 2], [3, 4, 5]], prob=0.5))
    """

    def __init__(self, groups: Sequence[Sequence[int]],
                 prob: float = 0.5) -> None:
        self.groups = self._check_groups(groups)
        if isinstance(prob, bool) or not isinstance(
                prob, (int, float)) or not 0 <= prob <= 1:
            raise ValueError(f'ModalityDropout: `prob` should be a number in '
                             f'[0, 1], but got {prob!r}.')
        self.prob = float(prob)

    @staticmethod
    def _check_groups(groups) -> List[List[int]]:
        groups = [list(g) for g in groups]
        flat = [c for g in groups for c in g]
        if len(groups) < 2 or any(not g for g in groups) or any(
                isinstance(c, bool) or not isinstance(c, int) or c < 0
                for c in flat) or len(set(flat)) != len(flat):
            raise ValueError(
                'ModalityDropout: `groups` should be two or more non-empty '
                'lists of channel indices (non-negative ints, none in two '
                f'groups), but got {groups!r}.')
        return groups

    def __call__(self, imgs: torch.Tensor,
                 batch_data_samples: SampleList) -> Tuple[torch.Tensor,
                                                          SampleList]:
        """Zero one channel group of each drawn sample.

        Args:
            imgs (torch.Tensor): Normalised inputs ``(B, N, C, ...)`` (``N``
                views; ``C`` channels, e.g. ``(B, N, C, T, H, W)``).
            batch_data_samples (list[ActionDataSample]): Returned as given.

        Returns:
            tuple: The inputs (a new tensor) and the data samples.

        Raises:
            ValueError: ``imgs`` has fewer channels than a group names.
        """
        channels = imgs.shape[2] if imgs.dim() > 2 else 0
        if max(c for g in self.groups for c in g) >= channels:
            raise ValueError(
                f'ModalityDropout: groups {self.groups} name channels the '
                f'inputs of shape {tuple(imgs.shape)} lack (channels are '
                'dimension 2 of (B, N, C, ...)).')
        batch = imgs.shape[0]
        dropped = torch.rand(batch) < self.prob
        which = torch.randint(len(self.groups), (batch, ))
        keep = torch.ones(batch, channels, dtype=imgs.dtype)
        for i in torch.nonzero(dropped).flatten().tolist():
            keep[i, self.groups[which[i]]] = 0
        shape = (batch, 1, channels) + (1, ) * (imgs.dim() - 3)
        return imgs * keep.view(shape).to(imgs.device), batch_data_samples
