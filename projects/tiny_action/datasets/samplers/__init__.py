from .class_balanced_sampler import ClassBalancedSampler, class_balanced_weights

__all__ = ['ClassBalancedSampler', 'class_balanced_weights']
