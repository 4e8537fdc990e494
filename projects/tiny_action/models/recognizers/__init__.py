from .dual_resolution import (DualResolutionRecognizer, load_checkpoint_strict,
                              merge_overrides, student_config)

__all__ = [
    'DualResolutionRecognizer', 'load_checkpoint_strict', 'merge_overrides',
    'student_config'
]
