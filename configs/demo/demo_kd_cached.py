# Demo, dual-resolution distillation with cached knowledge: the teacher is run once
# by `tools/misc/cache_teacher.py configs/demo/demo_hr.py TEACHER_CKPT knowledge.json`; training
# reads only the low-res clips (see tiny_action/tools/distillation/teacher_cache.py for how
# this differs from online distillation, configs/demo/demo_kd.py).
_base_ = ['./demo_lr.py', '../_base_/models/dual_resolution.py']

knowledge_cache = 'work_dirs/demo/hr/knowledge.json'
model = dict(
    _delete_=True, **_base_.dual_resolution, student=_base_.model,
    knowledge_cache=knowledge_cache)
