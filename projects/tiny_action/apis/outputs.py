"""Writing and printing inference results (JSON or CSV, atomically)."""
import csv
import io
import os.path as osp
from typing import Dict, List

from tiny_action.utils.fileio import atomic_write_bytes, write_json_atomic

__all__ = ['OUT_FORMATS', 'check_out_file', 'write_predictions',
           'format_predictions']

OUT_FORMATS = ('.json', '.csv')


def check_out_file(path: str) -> str:
    """The format (``'.json'`` or ``'.csv'``) of ``path``.

    Raises:
        ValueError: Another ending.
    """
    ext = osp.splitext(path)[1].lower()
    if ext not in OUT_FORMATS:
        raise ValueError(f'the output file {path} should end in .json or '
                         f'.csv, but ends in {ext or "nothing"!r}')
    return ext


def _csv_rows(result: Dict) -> List[List]:
    classes = result['classes']
    rows = [['input', 'start', 'end', 'labels', 'error'] + list(classes)]
    for pred in result['predictions']:
        clips = pred.get('windows') or [
            dict(start=0, end=pred['num_frames'], scores=pred['scores'],
                 labels=pred['labels'])
        ]
        for clip in clips:
            rows.append([pred['input'], clip['start'], clip['end'],
                         ';'.join(clip['labels']), ''] +
                        [repr(clip['scores'][c]) for c in classes])
    for skip in result['skipped']:
        rows.append([skip['input'], '', '', '', skip['error']] +
                    [''] * len(classes))
    return rows


def write_predictions(path: str, result: Dict) -> None:
    """Write the inferencer's ``result`` to ``path`` atomically.

    ``.json``: the whole result (``classes``, ``thresholds``,
    ``predictions``, ``skipped``, ``num_skipped``, ...). ``.csv``: one row
    per clip (per window for windowed inputs) with ``input``, ``start``,
    ``end`` (frames, end excluded), ``labels`` (``;``-separated), ``error``
    and one probability column per class; a skipped input is a row with
    its ``error`` and no probabilities.
    """
    if check_out_file(path) == '.json':
        write_json_atomic(path, {k: v for k, v in result.items()
                                 if k != 'visualization'})
        return
    buf = io.StringIO()
    csv.writer(buf, lineterminator='\n').writerows(_csv_rows(result))
    atomic_write_bytes(path, buf.getvalue().encode('utf-8'))


def _top(scores: Dict[str, float], k: int = 3) -> str:
    best = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
    return ', '.join(f'{c} {p:.2f}' for c, p in best)


def format_predictions(result: Dict, max_windows: int = 20) -> str:
    """A human-readable summary: each input's labels and top
    probabilities, its windows (at most ``max_windows`` each), and the
    skipped inputs with their errors."""
    lines = []
    for pred in result['predictions']:
        labels = ', '.join(pred['labels']) or '(none)'
        lines.append(f'{pred["input"]}: {labels}   [top: '
                     f'{_top(pred["scores"])}]')
        windows = pred.get('windows') or []
        for w in windows[:max_windows]:
            lines.append(f'    frames {w["start"]:>6d}-{w["end"]:<6d} '
                         f'{", ".join(w["labels"]) or "(none)"}')
        if len(windows) > max_windows:
            lines.append(f'    ... {len(windows) - max_windows} more windows')
    if result['skipped']:
        lines.append(f'skipped {result["num_skipped"]} input(s):')
        lines += [f'  {s["input"]}: {s["error"]}' for s in result['skipped']]
    return '\n'.join(lines)
