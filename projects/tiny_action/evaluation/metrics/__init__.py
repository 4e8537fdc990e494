from .numpy_dump_results import IDENTITY_KEYS, NumpyDumpResults
from .tiny_action_metric import TinyActionMetric

__all__ = ['IDENTITY_KEYS', 'NumpyDumpResults', 'TinyActionMetric']
