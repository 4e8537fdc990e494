from .tiny_action_metric import TinyActionMetric

__all__ = ['TinyActionMetric']
