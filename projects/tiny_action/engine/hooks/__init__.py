from .checkpoint_check_hook import CheckpointCheckHook
from .teacher_check_hook import TeacherCheckHook

__all__ = ['CheckpointCheckHook', 'TeacherCheckHook']
