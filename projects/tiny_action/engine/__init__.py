from .hooks import (CheckpointCheckHook, ProgressiveGrowthHook,
                    SlimCheckpointHook, TeacherCheckHook, slim_checkpoint)
from .model_wrappers import DeviceAgnosticDDP
from .runner import TinyActionRunner

__all__ = [
    'CheckpointCheckHook', 'DeviceAgnosticDDP', 'ProgressiveGrowthHook',
    'SlimCheckpointHook', 'TeacherCheckHook', 'TinyActionRunner',
    'slim_checkpoint'
]
