from .dual_resolution import (DualResolutionRecognizer, load_checkpoint_strict,
                              merge_overrides, student_config)
from .dvsr_recognizer import DVSRRecognizer
from .ensemble_recognizer import EnsembleRecognizer3D

__all__ = [
    'DVSRRecognizer', 'DualResolutionRecognizer', 'EnsembleRecognizer3D',
    'load_checkpoint_strict', 'merge_overrides', 'student_config'
]
