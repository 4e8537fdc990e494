# Dual-resolution distillation (paper section 3, equation 1): a KD config inherits its
# low-res config and this file, and wraps the low-res recognizer as the student (its head
# swapped for a KDHead, alpha = 0.5) with either a frozen teacher run online or cached
# teacher knowledge:
#   model = dict(_delete_=True, **_base_.dual_resolution, student=_base_.model,
#                teacher=..., teacher_ckpt=...)   # or knowledge_cache=...
dual_resolution = dict(
    type='DualResolutionRecognizer',
    student_overrides=dict(cls_head=dict(type='KDHead', alpha=0.5)))
