"""tiny-action: tiny, low-resolution, multi-label action recognition for
MMAction2 (TinyVIRAT-v2 / TinyAction Challenge).

Importing this package (configs do it through ``custom_imports``) first applies
the compatibility fixes of :mod:`tiny_action.compat`, then registers every
component into mmaction's registries.
"""
from . import compat

compat.apply_all()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402,F401

__all__ = ['__version__', 'compat', 'datasets', 'engine', 'evaluation',
           'models']
