from .checkpoint_check_hook import CheckpointCheckHook
from .progressive_growth_hook import ProgressiveGrowthHook, growth_state
from .slim_checkpoint_hook import SlimCheckpointHook, slim_checkpoint
from .teacher_check_hook import TeacherCheckHook

__all__ = [
    'CheckpointCheckHook', 'ProgressiveGrowthHook', 'SlimCheckpointHook',
    'TeacherCheckHook', 'growth_state', 'slim_checkpoint'
]
