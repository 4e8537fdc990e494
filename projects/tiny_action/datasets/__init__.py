from .annotations import AnnotationError, read_annotation_entries
from .class_map import load_class_map
from .label_pairs import resolve_label_pairs, swap_label_pairs
from .samplers import ClassBalancedSampler, VideoBalancedSampler
from .tinyvirat_dataset import TinyVIRATDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'AnnotationError', 'ClassBalancedSampler', 'TinyVIRATDataset',
    'load_class_map', 'read_annotation_entries', 'resolve_label_pairs',
    'swap_label_pairs', 'VideoBalancedSampler'
]
