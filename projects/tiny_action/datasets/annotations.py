"""Reading TinyVIRAT annotation files (shared by the dataset and the tools)."""
import json
from typing import List


class AnnotationError(ValueError):
    """A problem with one annotation entry or file; names file and entry."""


def read_annotation_entries(ann_file: str) -> List:
    """The entries of a TinyVIRAT annotation file: the v2 JSON list, or the
    entries of the v1 ``{"tubes": [...]}`` form. Entries are not checked.

    Raises:
        AnnotationError: the file cannot be read, is not valid JSON (line and
            column given), or is neither form.
    """
    try:
        with open(ann_file, encoding='utf-8') as f:
            content = json.load(f)
    except OSError as e:
        raise AnnotationError(
            f'cannot read annotation file {ann_file}: {e}') from e
    except json.JSONDecodeError as e:
        raise AnnotationError(
            f'{ann_file}: malformed JSON at line {e.lineno} column '
            f'{e.colno}: {e.msg}') from e
    if isinstance(content, dict) and 'tubes' in content:
        content = content['tubes']  # TinyVIRAT v1
    if not isinstance(content, list):
        raise AnnotationError(
            f'{ann_file}: expected a JSON list of entries (v2) or '
            f'{{"tubes": [...]}} (v1), got {type(content).__name__}')
    return content
