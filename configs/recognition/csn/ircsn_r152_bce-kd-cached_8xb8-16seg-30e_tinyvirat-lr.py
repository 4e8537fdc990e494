# As ircsn_r152_bce-kd_..., with cached knowledge: the SR teacher runs once,
#   python tools/misc/cache_teacher.py configs/csn_sr.py TEACHER_CKPT work_dirs/csn_sr/knowledge.json
# and training reads only the low-res clips (no teacher forward per step). The cache holds
# per-video probabilities averaged over views and flips (tiny_action/apis/teacher_cache.py).
_base_ = [
    '../../_base_/models/csn_r152.py', '../../_base_/datasets/tinyvirat_lr.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

optim_wrapper = dict(optimizer=dict(lr=1e-4))
knowledge_cache = 'work_dirs/csn_sr/knowledge.json'
k400 = ('https://download.openmmlab.com/mmaction/v1.0/recognition/csn/'
        'ircsn_ig65m-pretrained-r152_8xb12-32x2x1-58e_kinetics400-rgb/'
        'ircsn_ig65m-pretrained-r152_8xb12-32x2x1-58e_kinetics400-rgb_20220811-c7a3cc5b.pth')
model = dict(
    _delete_=True,
    type='DualResolutionRecognizer',
    student={{_base_.model}},
    student_overrides=dict(cls_head=dict(type='KDHead', alpha=0.5)),
    student_init=k400,
    knowledge_cache=knowledge_cache)
