from .hooks import (CheckpointCheckHook, SlimCheckpointHook, TeacherCheckHook,
                    slim_checkpoint)
from .model_wrappers import DeviceAgnosticDDP
from .runner import TinyActionRunner

__all__ = [
    'CheckpointCheckHook', 'DeviceAgnosticDDP', 'SlimCheckpointHook',
    'TeacherCheckHook', 'TinyActionRunner', 'slim_checkpoint'
]
