"""Knowledge distillation tooling: cache a frozen teacher's knowledge
(``tools/misc/cache_teacher.py``) and extract the student from a KD
checkpoint (``tools/model_converters/extract_student.py``)."""
from .student import extract_student
from .teacher_cache import (build_teacher, cache_teacher_knowledge,
                            knowledge_dataset, merge_caches, part_path)

__all__ = [
    'build_teacher', 'cache_teacher_knowledge', 'extract_student',
    'knowledge_dataset', 'merge_caches', 'part_path'
]
