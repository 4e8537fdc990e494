# Demo, dual-resolution distillation with cached knowledge: the teacher is run once
# by `tools/misc/cache_teacher.py configs/demo/demo_hr.py TEACHER_CKPT knowledge.json`; training
# reads only the low-res clips (see tiny_action/apis/teacher_cache.py for how this
# differs from online distillation, configs/demo/demo_kd.py).
_base_ = [
    '../_base_/models/r3d_tiny.py', '../_base_/datasets/demo_lr.py',
    '../_base_/schedules/adamw_cosine_12e_demo.py', '../_base_/default_runtime.py'
]

knowledge_cache = 'work_dirs/demo/hr/knowledge.json'
model = dict(
    _delete_=True,
    type='DualResolutionRecognizer',
    student={{_base_.model}},
    student_overrides=dict(cls_head=dict(type='KDHead', alpha=0.5)),
    knowledge_cache=knowledge_cache)
