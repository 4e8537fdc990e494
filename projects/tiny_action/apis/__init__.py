from .student import extract_student
from .teacher_cache import build_teacher, cache_teacher_knowledge

__all__ = ['build_teacher', 'cache_teacher_knowledge', 'extract_student']
