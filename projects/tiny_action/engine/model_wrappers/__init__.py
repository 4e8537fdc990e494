from .ddp import DeviceAgnosticDDP

__all__ = ['DeviceAgnosticDDP']
