"""Class-balanced sampling of the training clips."""
import math
from typing import Iterator, List, Optional, Sequence, Sized

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmaction.registry import DATA_SAMPLERS

__all__ = ['ClassBalancedSampler', 'class_balanced_weights']


def sample_labels(info: dict, index: int) -> List[int]:
    """The class indices of one sample's info: ``label_idx`` (our
    ``TinyVIRATDataset``) or mmaction's ``label`` (an int, or the list of
    class indices of a ``multi_class`` dataset).

    Raises:
        KeyError: The info has neither key (the message names the index).
    """
    if 'label_idx' in info:
        return [int(c) for c in info['label_idx']]
    if 'label' not in info:
        raise KeyError(f'ClassBalancedSampler: sample {index} '
                       f'({info.get("filename", "no filename")!r}) has '
                       'neither "label_idx" nor "label": the sampler needs '
                       'every training sample\'s classes')
    label = np.asarray(info['label'])
    return [int(label)] if label.ndim == 0 else [int(c) for c in label]


def class_balanced_weights(labels: Sequence[Sequence[int]],
                           power: float = 1.0) -> np.ndarray:
    """Sampling probabilities that balance the classes.

    Each class ``c`` held by ``n_c`` samples weighs ``n_c ** -power``; a
    sample weighs as much as its rarest class (its largest weight; the
    samples without any label form one more class), and the weights are
    normalised to sum to 1. With ``power`` 1 and one label per sample every
    class is drawn equally often in expectation; 0 is uniform sampling.

    Args:
        labels: The class indices of every sample.
        power (float): How far to balance, in ``[0, 1]``.

    Returns:
        np.ndarray: ``(len(labels), )`` float64 probabilities.
    """
    keys = [tuple(sorted(set(ls))) or (None, ) for ls in labels]
    counts = {}
    for key in keys:
        for c in key:
            counts[c] = counts.get(c, 0) + 1
    weights = np.array([max(counts[c]**-power for c in key) for key in keys])
    return weights / weights.sum()


@DATA_SAMPLERS.register_module()
class ClassBalancedSampler(Sampler):
    """Draw every epoch's training samples with replacement so that each
    class comes up about equally often (:func:`class_balanced_weights`):
    data balance by sampling, an alternative to ``TailFlipBalance``'s
    flipped copies that needs no choice of classes or copies and adapts to
    whatever split it is given (a fold of the train clips has its own class
    ratio).

    An epoch keeps the dataset's length (rounded up to a multiple of the
    world size); the draw depends on ``seed`` and the epoch only and is the
    same on every rank, each rank taking every ``world_size``-th index, as
    mmengine's ``DefaultSampler`` does. Use it in place of that sampler::

        train_dataloader = dict(sampler=dict(_delete_=True,
                                             type='ClassBalancedSampler'))

    Args:
        dataset (Sized): The training dataset; ``get_data_info(i)`` gives
            each sample's classes (see :func:`sample_labels`).
        power (float): How far to balance (1: fully, 0: uniform draws with
            replacement). Defaults to 1.
        seed (int, optional): Random seed, shared across ranks; None draws
            one and synchronises it. Defaults to None.
    """

    def __init__(self, dataset: Sized, power: float = 1.0,
                 seed: Optional[int] = None) -> None:
        name = type(self).__name__
        if isinstance(power, bool) or not isinstance(
                power, (int, float)) or not 0 <= power <= 1:
            raise ValueError(f'{name}: `power` should be a '
                             f'number in [0, 1], but got {power!r}.')
        if len(dataset) == 0:
            raise ValueError(f'{name}: the dataset is empty.')
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.power = float(power)
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.num_samples = math.ceil(len(dataset) / self.world_size)
        self.total_size = self.num_samples * self.world_size
        self.weights = class_balanced_weights(
            [self.sample_groups(dataset.get_data_info(i), i)
             for i in range(len(dataset))], self.power)

    def sample_groups(self, info: dict, index: int) -> list:
        """The groups that one sample's info puts it in, balanced against
        each other: its classes (:func:`sample_labels`)."""
        return sample_labels(info, index)

    def __iter__(self) -> Iterator[int]:
        """This rank's indices of the epoch's draw."""
        rng = np.random.default_rng(self.seed + self.epoch)
        indices = rng.choice(len(self.weights), size=self.total_size,
                             replace=True, p=self.weights)
        return iter(indices[self.rank::self.world_size].tolist())

    def __len__(self) -> int:
        """The number of samples of this rank in an epoch."""
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Draw another epoch (the train loop calls this every epoch)."""
        self.epoch = epoch
