"""Data transforms of the TinyVIRAT data path (registered in
``mmaction.registry.TRANSFORMS``)."""
from .difference import FrameDifference
from .flip import TailFlipBalance
from .formatting import PackTinyActionInputs
from .loading import TinyVideoDecode, TinyVideoInit, TinyVideoReader
from .processing import PairedResize
from .sampling import UniformSegment

__all__ = [
    'TinyVideoInit', 'TinyVideoDecode', 'TinyVideoReader', 'UniformSegment',
    'TailFlipBalance', 'PairedResize', 'PackTinyActionInputs',
    'FrameDifference'
]
