from .annotations import AnnotationError, read_annotation_entries
from .class_map import load_class_map
from .tinyvirat_dataset import TinyVIRATDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'AnnotationError', 'TinyVIRATDataset', 'load_class_map',
    'read_annotation_entries'
]
