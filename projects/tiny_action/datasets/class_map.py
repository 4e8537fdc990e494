"""Reading a class map: name -> index, from JSON, a text list or Python."""
import json
import os.path as osp
from typing import Dict, List, Sequence, Union


def load_class_map(
        class_map: Union[str, Sequence[str], Dict[str, int]]) -> List[str]:
    """Return the class names in index order.

    Args:
        class_map: a ``.json`` file mapping name -> index (TinyVIRAT's
            ``class_map.json``), a text file with one name a line (index
            order, as ``classes.txt``), a list of names, or a dict
            name -> index.

    Raises:
        ValueError: the file is missing or unreadable, names repeat, or the
            indices are not exactly ``0..C-1``.
    """
    source = class_map
    if isinstance(class_map, str):
        if not osp.isfile(class_map):
            raise ValueError(f'class map file {class_map} does not exist')
        if class_map.endswith('.json'):
            try:
                with open(class_map) as f:
                    class_map = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f'{source}: malformed JSON at line '
                                 f'{e.lineno}: {e.msg}') from e
        else:
            with open(class_map) as f:
                class_map = [ln.strip() for ln in f if ln.strip()]
    if isinstance(class_map, dict):
        indices = sorted(class_map.values())
        if indices != list(range(len(class_map))):
            raise ValueError(f'class map {source!r}: indices should be '
                             f'0..{len(class_map) - 1}, got {indices}')
        names = sorted(class_map, key=class_map.__getitem__)
    elif isinstance(class_map, (list, tuple)):
        names = [str(n) for n in class_map]
    else:
        raise ValueError('class map should be a file path, a list of names '
                         f'or a dict name -> index, got {type(source)}')
    if not names:
        raise ValueError(f'class map {source!r} is empty')
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f'class map {source!r} repeats names {dup}')
    return names
