# Dual-resolution distillation (paper section 3, equation 1): a KD config inherits its
# low-res config and this file, and wraps the low-res recognizer as the student (its head
# swapped for a KDHead, alpha = 0.5) with either a frozen teacher run online or cached
# teacher knowledge:
#   model = dict(_delete_=True, **_base_.dual_resolution, student=_base_.model,
#                teacher=..., teacher_ckpt=...)   # or knowledge_cache=...
# alpha, the weight of the BCE term in equation 1: the paper gives no value. 0.5 (equal
# weights) is our default and is unvalidated on TinyVIRAT-v2; README "Results on this
# machine" (real proxy) reports what other values did on the real tiny CCTV proxy. Another
# value: `--cfg-options model.student_overrides.cls_head.alpha=0.7`.
dual_resolution = dict(
    type='DualResolutionRecognizer',
    student_overrides=dict(cls_head=dict(type='KDHead', alpha=0.5)))
