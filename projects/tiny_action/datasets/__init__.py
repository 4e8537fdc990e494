from .class_map import load_class_map
from .tinyvirat_dataset import AnnotationError, TinyVIRATDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['AnnotationError', 'TinyVIRATDataset', 'load_class_map']
