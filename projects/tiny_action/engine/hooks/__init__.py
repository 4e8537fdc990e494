from .teacher_check_hook import TeacherCheckHook

__all__ = ['TeacherCheckHook']
