"""Decision thresholds of the multi-label metric: one for all classes, one
per class, per class name, or read from a file (as written by the
ensemble's threshold tuning)."""
import json
import numbers
import os.path as osp
from collections.abc import Mapping, Sequence
from typing import Dict, Optional, Union

import numpy as np

__all__ = ['ThresholdSpec', 'parse_thresholds', 'resolve_thresholds']

#: what ``TinyActionMetric(thresholds=...)`` accepts
ThresholdSpec = Union[float, Sequence, Mapping, str]


def _read_threshold_file(path: str) -> Union[list, dict]:
    """The thresholds a file holds: JSON (``{"thresholds": [...]}``, a list,
    or ``{class_name: threshold}``) for ``.json``, else one float a line."""
    source = f'`thresholds` file {path!r}'
    if not osp.isfile(path):
        raise ValueError(f'{source} does not exist')
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if path.lower().endswith('.json'):
        try:
            thresholds = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f'{source} is not valid JSON: {e}') from e
        if isinstance(thresholds, Mapping) and set(thresholds) == {
                'thresholds'
        }:
            thresholds = thresholds['thresholds']
        return thresholds
    lines = [
        line.strip() for line in text.splitlines()
        if line.strip() and not line.strip().startswith('#')
    ]
    try:
        return [float(line) for line in lines]
    except ValueError as e:
        raise ValueError(
            f'{source} should hold one float per line: {e}') from e


def _check_range(values: np.ndarray, source: str) -> None:
    """Raise unless ``values`` is non-empty, finite and within [0, 1]."""
    if values.size == 0 or not np.isfinite(values).all() \
            or (values < 0).any() or (values > 1).any():
        raise ValueError(f'{source} should hold numbers in [0, 1], '
                         f'but got {values.tolist()}')


def _parse_mapping(thresholds: Mapping, source: str) -> Dict[str, float]:
    """``{class_name: threshold}`` with names as str, values as float."""
    try:
        values = {str(k): float(v) for k, v in thresholds.items()}
    except (TypeError, ValueError) as e:
        raise ValueError(f'{source} should map class names to numbers, '
                         f'but got {dict(thresholds)!r}') from e
    _check_range(np.array(list(values.values()), dtype=np.float64), source)
    return values


def _parse_sequence(thresholds: Sequence, source: str) -> np.ndarray:
    """A flat float array of one threshold per class."""
    try:
        values = np.array(thresholds, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f'{source} should be a list of numbers, but '
                         f'got {thresholds!r}') from e
    if values.ndim != 1:
        raise ValueError(f'{source} should be a flat list of numbers, '
                         f'but got {thresholds!r}')
    _check_range(values, source)
    return values


def parse_thresholds(
        thresholds: ThresholdSpec) -> Union[float, np.ndarray, Dict[str,
                                                                   float]]:
    """Read a threshold specification (without knowing the classes yet).

    Args:
        thresholds (float | Sequence[float] | Mapping[str, float] | str):
            One threshold for all classes; one per class (in class order);
            ``{class_name: threshold}`` for every class; or a file path.
            Files ending in ``.json`` hold ``{"thresholds": [...]}``, a plain
            list, or ``{class_name: threshold}``; any other file holds one
            float per line in class order (blank lines and lines starting
            with ``#`` are skipped). All values must lie in ``[0, 1]``.

    Returns:
        float | np.ndarray | dict[str, float]: The parsed thresholds.

    Raises:
        ValueError: If the specification, the file or a value is invalid.
    """
    source = '`thresholds`'
    if isinstance(thresholds, str):
        source = f'`thresholds` file {thresholds!r}'
        thresholds = _read_threshold_file(thresholds)
    if isinstance(thresholds, bool):
        raise ValueError(f'{source} should be a number, a list, a mapping '
                         f'or a file path, but got {thresholds!r}')
    if isinstance(thresholds, numbers.Real):
        _check_range(np.array([thresholds], dtype=np.float64), source)
        return float(thresholds)
    if isinstance(thresholds, Mapping):
        return _parse_mapping(thresholds, source)
    if isinstance(thresholds, (Sequence, np.ndarray)):
        return _parse_sequence(thresholds, source)
    raise ValueError(f'{source} should be a number, a list, a mapping or a '
                     f'file path, but got {thresholds!r}')


def resolve_thresholds(thresholds: Union[float, np.ndarray, Dict[str, float]],
                       num_classes: int,
                       classes: Optional[Sequence[str]] = None) -> np.ndarray:
    """Turn parsed thresholds into one value per class.

    Args:
        thresholds (float | np.ndarray | dict[str, float]): Output of
            :func:`parse_thresholds`.
        num_classes (int): Number of classes ``C``.
        classes (Sequence[str], optional): Class names in class order;
            required for ``{class_name: threshold}``. Defaults to None.

    Returns:
        np.ndarray: Thresholds of shape ``(C,)``.

    Raises:
        ValueError: If the thresholds do not cover exactly the classes.
    """
    if isinstance(thresholds, dict):
        if classes is None:
            raise ValueError(
                'thresholds given per class name need the class names; '
                "the dataset has no `classes` in its metainfo")
        classes = [str(c) for c in classes]
        missing = [c for c in classes if c not in thresholds]
        unknown = sorted(set(thresholds) - set(classes))
        if missing or unknown:
            raise ValueError(
                'thresholds given per class name should cover exactly the '
                f'dataset classes, but got {len(missing)} missing '
                f'{missing[:5]} and {len(unknown)} unknown {unknown[:5]}')
        return np.array([thresholds[c] for c in classes], dtype=np.float64)
    values = np.asarray(thresholds, dtype=np.float64)
    if values.ndim == 0:
        return np.full(num_classes, float(values))
    if values.shape != (num_classes, ):
        raise ValueError(
            f'got {values.shape[0]} thresholds for {num_classes} classes')
    return values
