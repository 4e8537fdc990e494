from .runner import TinyActionRunner

__all__ = ['TinyActionRunner']
