"""Data transforms of the TinyVIRAT data path (registered in
``mmaction.registry.TRANSFORMS``)."""
from .difference import FrameDifference, SegmentMotion
from .flip import FlipViews, TailFlipBalance
from .formatting import PackTinyActionInputs
from .loading import (TinyVideoDecode, TinyVideoInit, TinyVideoReader,
                      check_video_file, probe_video)
from .processing import (ClipStandardize, PairedResize, RandomClipErasing,
                         RandomDownscale, RandomSensorNoise, RandomTwinSwap,
                         RandomZoomOut, SyntheticLowRes)
from .reverse import TemporalReverse
from .sampling import RandomTemporalCrop, UniformSegment
from .statistics import MotionStatistics, grey_clip, motion_statistics

__all__ = [
    'TinyVideoInit', 'TinyVideoDecode', 'TinyVideoReader', 'UniformSegment',
    'RandomTemporalCrop', 'TailFlipBalance', 'FlipViews', 'TemporalReverse',
    'PairedResize', 'SyntheticLowRes', 'RandomDownscale', 'RandomTwinSwap',
    'RandomSensorNoise', 'RandomClipErasing', 'RandomZoomOut',
    'ClipStandardize',
    'MotionStatistics', 'motion_statistics', 'grey_clip',
    'PackTinyActionInputs', 'FrameDifference', 'SegmentMotion',
    'check_video_file', 'probe_video'
]
