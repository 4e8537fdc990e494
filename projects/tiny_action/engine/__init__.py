from .hooks import (CheckpointCheckHook, ProgressiveGrowthHook,
                    SlimCheckpointHook, TeacherCheckHook, TestTimeBNHook,
                    adapt_batch_norms, shuffled_loader, slim_checkpoint)
from .model_wrappers import DeviceAgnosticDDP
from .runner import TinyActionRunner

__all__ = [
    'CheckpointCheckHook', 'DeviceAgnosticDDP', 'ProgressiveGrowthHook',
    'SlimCheckpointHook', 'TeacherCheckHook', 'TestTimeBNHook',
    'TinyActionRunner', 'adapt_batch_norms', 'shuffled_loader',
    'slim_checkpoint'
]
