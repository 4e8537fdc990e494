"""Classes that swap under a horizontal flip (mirrored directions).

A left-right mirror turns ``vehicle_turning_left`` into
``vehicle_turning_right``. Configs name such pairs by class *name*
(``TinyVIRATDataset(flip_label_pairs=...)``); :func:`resolve_label_pairs`
turns them into indices through the dataset's class map, and
:func:`swap_label_pairs` swaps the two columns of a label or score array
wherever a clip is flipped (``TailFlipBalance``, the teacher-knowledge
cache, cached knowledge of a flipped training sample).
"""
from typing import List, Optional, Sequence, Tuple, TypeVar

__all__ = ['resolve_label_pairs', 'swap_label_pairs']

Array = TypeVar('Array')
IndexPairs = List[Tuple[int, int]]


def resolve_label_pairs(pairs: Optional[Sequence[Sequence[str]]],
                        classes: Sequence[str],
                        source: str = 'the class map') -> IndexPairs:
    """Class-index pairs of named mirror pairs.

    Args:
        pairs (Sequence[Sequence[str]], optional): Pairs of class names,
            e.g. ``[('vehicle_turning_left', 'vehicle_turning_right')]``.
            None or empty means no pair.
        classes (Sequence[str]): Class names in index order.
        source (str): Where ``classes`` come from, for error messages.
            Defaults to ``'the class map'``.

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
        raise ValueError('`flip_label_pairs` should be a list of pairs of '
                         f'class names, but got the string {pairs!r}')
    index = {name: i for i, name in enumerate(classes)}
    out: IndexPairs = []
    seen = set()
    for pair in pairs:
        if (isinstance(pair, str) or len(pair) != 2
                or not all(isinstance(n, str) for n in pair)
                or pair[0] == pair[1]):
            raise ValueError('`flip_label_pairs` should hold pairs of two '
                             f'different class names, but got {pair!r}')
        unknown = [n for n in pair if n not in index]
        if unknown:
            raise ValueError(
                f'`flip_label_pairs` names {unknown}, not a class of '
                f'{source} ({len(classes)} classes: {list(classes)})')
        repeated = seen & set(pair)
        if repeated:
            raise ValueError('`flip_label_pairs` should name each class at '
                             f'most once, but {sorted(repeated)} repeats')
        seen.update(pair)
        out.append((index[pair[0]], index[pair[1]]))
    return out


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
