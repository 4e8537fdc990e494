"""Inference with trained tiny-action models (``tools/infer.py``).

Not imported by ``import tiny_action``; ``from tiny_action.apis import
TinyActionInferencer``.
"""
from .inference import class_names, init_recognizer, recognizer_config
from .inferencer import TinyActionInferencer, prefetch
from .outputs import format_predictions, write_predictions
from .video_inputs import (InferenceInput, InferenceInputError,
                           expand_inputs, iter_video_windows, window_bounds)

__all__ = [
    'InferenceInput', 'InferenceInputError', 'TinyActionInferencer',
    'class_names', 'expand_inputs', 'format_predictions', 'init_recognizer',
    'iter_video_windows', 'prefetch', 'recognizer_config', 'window_bounds',
    'write_predictions'
]
