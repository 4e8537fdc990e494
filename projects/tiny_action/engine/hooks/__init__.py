from .checkpoint_check_hook import CheckpointCheckHook
from .slim_checkpoint_hook import SlimCheckpointHook, slim_checkpoint
from .teacher_check_hook import TeacherCheckHook

__all__ = [
    'CheckpointCheckHook', 'SlimCheckpointHook', 'TeacherCheckHook',
    'slim_checkpoint'
]
