from .progressive_growth_hook import ProgressiveGrowthHook, growth_state
from .teacher_check_hook import TeacherCheckHook

__all__ = ['ProgressiveGrowthHook', 'TeacherCheckHook', 'growth_state']
