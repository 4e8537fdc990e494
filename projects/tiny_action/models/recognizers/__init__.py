from .dual_resolution import (DualResolutionRecognizer, load_checkpoint_strict,
                              merge_overrides, student_config)
from .dvsr_recognizer import DVSRRecognizer

__all__ = [
    'DVSRRecognizer', 'DualResolutionRecognizer', 'load_checkpoint_strict',
    'merge_overrides', 'student_config'
]
