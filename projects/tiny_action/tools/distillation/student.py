"""Turning a distillation checkpoint into a plain recognizer checkpoint."""
import torch
from mmengine.runner import CheckpointLoader

from tiny_action.utils.fileio import atomic_path


def extract_student(src: str, dst: str, prefix: str = 'student.') -> int:
    """Save the student of a ``DualResolutionRecognizer`` checkpoint ``src``
    as a plain recognizer checkpoint ``dst`` (``state_dict`` without the
    ``student.`` prefix, the original ``meta``; no teacher, no optimizer),
    written atomically. A non-KD config (same backbone, ``KDHead`` or
    ``ASLHead`` of the same size) then loads it with ``tools/test.py`` or
    ``load_from``. Returns the number of tensors saved.

    Raises:
        ValueError: ``src`` holds no ``student.*`` weights.
    """
    ckpt = CheckpointLoader.load_checkpoint(src, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    student = {k[len(prefix):]: v for k, v in state.items()
               if k.startswith(prefix)}
    if not student:
        raise ValueError(f'{src} has no "{prefix}*" weights: it is not a '
                         'DualResolutionRecognizer checkpoint')
    out = dict(state_dict=student, meta=ckpt.get('meta', {}))
    with atomic_path(dst) as tmp:
        torch.save(out, tmp)
    return len(student)
