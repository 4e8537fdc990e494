from .hooks import CheckpointCheckHook, TeacherCheckHook
from .model_wrappers import DeviceAgnosticDDP
from .runner import TinyActionRunner

__all__ = [
    'CheckpointCheckHook', 'DeviceAgnosticDDP', 'TeacherCheckHook',
    'TinyActionRunner'
]
