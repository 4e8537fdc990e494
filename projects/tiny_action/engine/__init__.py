from .model_wrappers import DeviceAgnosticDDP
from .runner import TinyActionRunner

__all__ = ['DeviceAgnosticDDP', 'TinyActionRunner']
