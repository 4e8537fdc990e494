from .hooks import SlimCheckpointHook, TeacherCheckHook, slim_checkpoint
from .model_wrappers import DeviceAgnosticDDP
from .runner import TinyActionRunner

__all__ = [
    'DeviceAgnosticDDP', 'SlimCheckpointHook', 'TeacherCheckHook',
    'TinyActionRunner', 'slim_checkpoint'
]
