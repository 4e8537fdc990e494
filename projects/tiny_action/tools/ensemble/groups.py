"""Group-wise exclusion: keep one predicted class per group of exclusive
classes.

Chen, Qiao, Wang, "Low-Resolution Action Recognition for Tiny Actions Challenge
in ActivityNet", section 4: "we use the prior knowledge of categories [12] ...
within the same group of activities categories, it is reasonable to keep one
class with the highest score". A groups file lists groups of classes that
cannot happen together in one (trimmed) clip; after thresholding, every group
keeps at most its highest-ranked predicted class (:func:`apply_exclusion`).

Groups file (YAML ``.yaml`` / ``.yml`` or JSON ``.json``)::

    groups:
      vehicle_turning: [vehicle_turning_left, vehicle_turning_right]
      locomotion: [activity_walking, activity_running, activity_standing]

i.e. a top-level ``groups`` mapping from a group name to a list of at least two
class names of the class map; a plain list of lists is accepted too (named
``group_0``, ``group_1``, ...). A class belongs to one group at most (with
overlapping groups the result would depend on the group order). The
TinyVIRAT-v2 default is :data:`DEFAULT_GROUPS_FILE`.
"""
import json
import os.path as osp
from collections.abc import Mapping
from typing import Dict, List, Optional, Sequence, Tuple, Union

import mmengine.fileio
import numpy as np
import yaml

#: the TinyVIRAT-v2 groups shipped with the package (see its comments).
DEFAULT_GROUPS_FILE = osp.join(
    osp.abspath(osp.join(osp.dirname(__file__), osp.pardir, osp.pardir)),
    'resources',
    'tinyvirat_groups.yaml')

GroupSpec = Union[None, str, Mapping, Sequence]


def _read_groups_file(path: str):
    """A groups file's content (``mmengine.fileio.load``; YAML with
    ``yaml.SafeLoader``, so it constructs no Python object)."""
    if not osp.isfile(path):
        raise ValueError(f'groups file {path} does not exist')
    if path.lower().endswith('.json'):
        try:
            return mmengine.fileio.load(path, file_format='json')
        except json.JSONDecodeError as e:
            raise ValueError(f'groups file {path}: malformed JSON at line '
                             f'{e.lineno}: {e.msg}') from e
    if path.lower().endswith(('.yaml', '.yml')):
        try:
            return mmengine.fileio.load(path, file_format='yaml',
                                        Loader=yaml.SafeLoader)
        except yaml.YAMLError as e:
            raise ValueError(f'groups file {path}: malformed YAML: {e}') from e
    raise ValueError(f'groups file {path} should end in .yaml, .yml or '
                     '.json')


def load_groups(spec: GroupSpec,
                classes: Sequence[str]) -> Dict[str, List[int]]:
    """Read and validate groups of mutually exclusive classes.

    Args:
        spec (None | str | Mapping | Sequence): ``None`` or ``'none'`` (no
            groups), ``'default'`` (:data:`DEFAULT_GROUPS_FILE`), a groups
            file path, or the file's content (``{"groups": ...}``, a
            mapping group name -> class names, or a list of lists).
        classes (Sequence[str]): Class names in index order.

    Returns:
        dict[str, list[int]]: Group name -> class indices, in file order.

    Raises:
        ValueError: If the file is unreadable or malformed, a group names
            an unknown class, has fewer than two classes or repeats one, or
            a class is in two groups. The message names the source and the
            group.
    """
    if spec is None or (isinstance(spec, str) and spec.lower() == 'none'):
        return {}
    source = 'groups'
    if isinstance(spec, str):
        path = DEFAULT_GROUPS_FILE if spec.lower() == 'default' else spec
        source = f'groups file {path}'
        spec = _read_groups_file(path)
    if isinstance(spec, Mapping) and 'groups' in spec:
        extra = sorted(set(spec) - {'groups'})
        if extra:
            raise ValueError(f'{source}: unknown top-level keys {extra}; '
                             'expected only "groups"')
        spec = spec['groups']
    if isinstance(spec, Mapping):
        items = [(str(k), v) for k, v in spec.items()]
    elif isinstance(spec, Sequence) and not isinstance(spec, str):
        items = [(f'group_{i}', v) for i, v in enumerate(spec)]
    else:
        raise ValueError(f'{source} should map group names to lists of class '
                         f'names (under "groups"), but got {spec!r}')
    index = {str(c): i for i, c in enumerate(classes)}
    owner: Dict[str, str] = {}
    groups: Dict[str, List[int]] = {}
    for name, members in items:
        if not isinstance(members, Sequence) or isinstance(members, str) \
                or not all(isinstance(m, str) for m in members):
            raise ValueError(f'{source}: group {name!r} should be a list of '
                             f'class names, but got {members!r}')
        unknown = [m for m in members if m not in index]
        if unknown:
            raise ValueError(
                f'{source}: group {name!r} names unknown class(es) {unknown};'
                f' the class map has {len(classes)} classes: {list(classes)}')
        if len(members) < 2:
            raise ValueError(f'{source}: group {name!r} should have at least '
                             f'two classes, but has {list(members)}')
        if len(set(members)) != len(members):
            raise ValueError(f'{source}: group {name!r} repeats a class: '
                             f'{list(members)}')
        for m in members:
            if m in owner:
                raise ValueError(
                    f'{source}: class {m!r} is in group {owner[m]!r} and in '
                    f'group {name!r}; a class may be in one group only')
            owner[m] = name
        groups[name] = [index[m] for m in members]
    return groups


def apply_exclusion(preds: np.ndarray,
                    ranks: np.ndarray,
                    groups: Dict[str, List[int]]) -> np.ndarray:
    """Keep, per sample and group, only the predicted class ranked highest.

    Args:
        preds (np.ndarray): Boolean predictions ``(N, C)`` (after
            thresholds).
        ranks (np.ndarray): Ranking values ``(N, C)``: the scores (paper's
            rule) or e.g. ``scores - thresholds``. Ties go to the class
            listed first in the group.
        groups (dict[str, list[int]]): Output of :func:`load_groups`.

    Returns:
        np.ndarray: A new boolean array ``(N, C)``: at most one ``True``
        per group and sample; classes outside groups are unchanged.
    """
    preds = np.array(preds, dtype=bool)
    ranks = np.asarray(ranks, dtype=np.float64)
    if ranks.shape != preds.shape:
        raise ValueError('`preds` and `ranks` should have the same shape, '
                         f'but got {preds.shape} and {ranks.shape}')
    rows = np.arange(preds.shape[0])
    for members in groups.values():
        sub = preds[:, members]
        hit = sub.any(axis=1)
        keep = np.argmax(np.where(sub, ranks[:, members], -np.inf), axis=1)
        new = np.zeros_like(sub)
        new[rows[hit], keep[hit]] = True
        preds[:, members] = new
    return preds


def cooccurrences(labels: np.ndarray, groups: Dict[str, List[int]],
                  classes: Optional[Sequence[str]] = None
                  ) -> List[Tuple[str, str, str, int]]:
    """Pairs of classes of one group that occur together in ``labels``.

    Args:
        labels (np.ndarray): Multi-hot labels ``(N, C)``.
        groups (dict[str, list[int]]): Output of :func:`load_groups`.
        classes (Sequence[str], optional): Names for the result; indices
            as strings when None.

    Returns:
        list[tuple[str, str, str, int]]: ``(group, class_a, class_b,
        number of samples with both)``, only pairs with a count > 0. A
        group is only safe when this is empty on real labels.
    """
    labels = np.asarray(labels).astype(np.int64)
    names = [str(c) for c in classes] if classes is not None else None
    out = []
    for group, members in groups.items():
        both = labels[:, members].T @ labels[:, members]
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                if both[a, b]:
                    ca, cb = members[a], members[b]
                    out.append((group, names[ca] if names else str(ca),
                                names[cb] if names else str(cb),
                                int(both[a, b])))
    return out
