# As ircsn_r152_bce-kd_..., with cached knowledge: the SR teacher runs once,
#   python tools/misc/cache_teacher.py configs/csn_sr.py TEACHER_CKPT work_dirs/csn_sr/knowledge.json
# and training reads only the low-res clips (no teacher forward per step). The cache holds
# per-video probabilities averaged over views and flips
# (tiny_action/tools/distillation/teacher_cache.py).
_base_ = [
    './ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-lr.py',
    '../../_base_/models/dual_resolution.py'
]

knowledge_cache = 'work_dirs/csn_sr/knowledge.json'
# The student starts from the low-res config's Kinetics-400 checkpoint (`load_from` would
# not fit: the checkpoint's keys have no `student.` prefix).
model = dict(
    _delete_=True, **_base_.dual_resolution, student=_base_.model,
    student_init=_base_.load_from, knowledge_cache=knowledge_cache)
load_from = None
