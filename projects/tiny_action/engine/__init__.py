from .hooks import TeacherCheckHook
from .model_wrappers import DeviceAgnosticDDP
from .runner import TinyActionRunner

__all__ = ['DeviceAgnosticDDP', 'TeacherCheckHook', 'TinyActionRunner']
