from .hooks import ProgressiveGrowthHook, TeacherCheckHook
from .model_wrappers import DeviceAgnosticDDP
from .runner import TinyActionRunner

__all__ = [
    'DeviceAgnosticDDP', 'ProgressiveGrowthHook', 'TeacherCheckHook',
    'TinyActionRunner'
]
