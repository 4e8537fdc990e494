"""Classes that swap under a horizontal flip (mirrored directions) or when a
clip plays backwards (``reverse_label_pairs``; ``irreversible_classes`` by
:func:`resolve_classes`).

A left-right mirror turns ``vehicle_turning_left`` into
``vehicle_turning_right``. Configs name such pairs by class *name*
(``TinyVIRATDataset(flip_label_pairs=...)``); :func:`resolve_label_pairs`
turns them into indices through the dataset's class map, and
:func:`swap_label_pairs` swaps the two columns of a label or score array
wherever a clip is flipped (``TailFlipBalance``, the teacher-knowledge
cache, cached knowledge of a flipped training sample) or reversed
(``TemporalReverse``); :func:`swap_label` does it for one sample's label.
"""
from typing import List, Optional, Sequence, Tuple, TypeVar, Union

import numpy as np

__all__ = [
    'resolve_label_pairs', 'resolve_classes', 'swap_label_pairs', 'swap_label'
]

Array = TypeVar('Array')
IndexPairs = List[Tuple[int, int]]


def resolve_label_pairs(pairs: Optional[Sequence[Sequence[str]]],
                        classes: Sequence[str],
                        source: str = 'the class map',
                        arg: str = 'flip_label_pairs') -> IndexPairs:
    """Class-index pairs of named mirror pairs.

    Args:
        pairs (Sequence[Sequence[str]], optional): Pairs of class names,
            e.g. ``[('vehicle_turning_left', 'vehicle_turning_right')]``.
            None or empty means no pair.
        classes (Sequence[str]): Class names in index order.
        source (str): Where ``classes`` come from, for error messages.
            Defaults to ``'the class map'``.
        arg (str): The argument that names the pairs, for error messages.
            Defaults to ``'flip_label_pairs'``.

    Returns:
        list[tuple[int, int]]: One ``(index, index)`` per pair, in order.

    Raises:
        ValueError: A pair is not two different names, a name is not in
            ``classes`` (the error names it and lists the classes), or a
            class appears in two pairs.
    """
    if not pairs:
        return []
    if isinstance(pairs, str):
        raise ValueError(f'`{arg}` should be a list of pairs of '
                         f'class names, but got the string {pairs!r}')
    out: IndexPairs = []
    seen = set()
    for pair in pairs:
        if (isinstance(pair, str) or len(pair) != 2
                or not all(isinstance(n, str) for n in pair)
                or pair[0] == pair[1]):
            raise ValueError(f'`{arg}` should hold pairs of two '
                             f'different class names, but got {pair!r}')
        first, second = resolve_classes(pair, classes, source, arg)
        repeated = seen & set(pair)
        if repeated:
            raise ValueError(f'`{arg}` should name each class at '
                             f'most once, but {sorted(repeated)} repeats')
        seen.update(pair)
        out.append((first, second))
    return out


def resolve_classes(names: Optional[Sequence[str]], classes: Sequence[str],
                    source: str = 'the class map',
                    arg: str = 'irreversible_classes') -> List[int]:
    """Class indices of a list of class names.

    Args:
        names (Sequence[str], optional): Class names; None or empty means
            none.
        classes (Sequence[str]): Class names in index order.
        source (str): Where ``classes`` come from, for error messages.
            Defaults to ``'the class map'``.
        arg (str): The argument that names them, for error messages.
            Defaults to ``'irreversible_classes'``.

    Returns:
        list[int]: The indices, in the order of ``names``.

    Raises:
        ValueError: ``names`` is a string, or a name is not in ``classes``
            (the error names it and lists the classes) or repeats.
    """
    if not names:
        return []
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise ValueError(f'`{arg}` should be a list of class names, but got '
                         f'{names!r}')
    index = {name: i for i, name in enumerate(classes)}
    unknown = [n for n in names if n not in index]
    if unknown:
        raise ValueError(f'`{arg}` names {unknown}, not a class of {source} '
                         f'({len(classes)} classes: {list(classes)})')
    if len(set(names)) != len(names):
        raise ValueError(f'`{arg}` should name each class once, but got '
                         f'{list(names)}')
    return [index[n] for n in names]


def swap_label_pairs(values: Array, pairs: Sequence[Tuple[int, int]]) -> Array:
    """Swap the class columns of each pair along the last axis.

    Args:
        values (np.ndarray | torch.Tensor): Labels or scores, classes on the
            last axis (a multi-hot vector, a ``(N, C)`` score matrix ...).
        pairs (Sequence[tuple[int, int]]): Class-index pairs.

    Returns:
        The same type, a new array (``values`` is never edited in place);
        ``values`` itself when ``pairs`` is empty.

    Raises:
        ValueError: A pair index is outside the last axis.
    """
    if not pairs:
        return values
    num = values.shape[-1]
    order = list(range(num))
    for a, b in pairs:
        if not (0 <= a < num and 0 <= b < num):
            raise ValueError(f'flip label pair {(a, b)} is out of range for '
                             f'{num} classes')
        order[a], order[b] = b, a
    return values[..., order]


def swap_label(label: Union[np.ndarray, int],
               pairs: Sequence[Tuple[int, int]],
               arg: str = 'flip_label_pairs') -> Union[np.ndarray, int]:
    """``label`` (multi-hot 1-D array or int class index) with each pair's
    classes swapped; a new array, never an in-place edit.

    Raises:
        ValueError: ``label`` is neither (``arg`` names the pairs' key).
    """
    if isinstance(label, np.ndarray) and label.ndim == 1:
        return swap_label_pairs(label, pairs)
    if isinstance(label, (int, np.integer)):
        for a, b in pairs:
            if label in (a, b):
                return type(label)(b if label == a else a)
        return label
    raise ValueError(f'{arg} needs a multi-hot 1-D array or an '
                     f'int label, but got {type(label).__name__}.')
