from .class_balanced_sampler import ClassBalancedSampler, class_balanced_weights
from .video_balanced_sampler import VideoBalancedSampler

__all__ = ['ClassBalancedSampler', 'class_balanced_weights',
           'VideoBalancedSampler']
