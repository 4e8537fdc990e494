from .checkpoint_check_hook import CheckpointCheckHook
from .progressive_growth_hook import ProgressiveGrowthHook, growth_state
from .slim_checkpoint_hook import SlimCheckpointHook, slim_checkpoint
from .teacher_check_hook import TeacherCheckHook
from .test_time_bn_hook import (TestTimeBNHook, adapt_batch_norms,
                                shuffled_loader)

__all__ = [
    'CheckpointCheckHook', 'ProgressiveGrowthHook', 'SlimCheckpointHook',
    'TeacherCheckHook', 'TestTimeBNHook', 'adapt_batch_norms',
    'growth_state', 'shuffled_loader', 'slim_checkpoint'
]
