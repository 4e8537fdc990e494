# ir-CSN (SR+KD), paper section 3, equation 1 / Table 2: the low-res ir-CSN student learns
# from the labels (BCE) and from the frozen SR teacher (ircsn_r152_bce_..._tinyvirat-sr.py)
# run on the super-resolved twin of each training clip, same frames and flip:
#   L = alpha * BCE(p, y) + (1 - alpha) * mean_c (sigmoid(p)_c - k_c)^2,  alpha = 0.5.
# `tools/test.py` on this config's checkpoints reports the student (low-res input only).
_base_ = [
    '../../_base_/models/csn_r152.py', '../../_base_/datasets/tinyvirat_paired.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

optim_wrapper = dict(optimizer=dict(lr=1e-4))
# The trained SR teacher: set it here or with `--cfg-options model.teacher_ckpt=PATH`.
teacher_ckpt = 'work_dirs/csn_sr/teacher.pth'
# The student starts from Kinetics-400 like the LR config (`load_from` would not fit: the
# checkpoint's keys have no `student.` prefix). From scratch:
# `--cfg-options model.student_init=None`.
k400 = ('https://download.openmmlab.com/mmaction/v1.0/recognition/csn/'
        'ircsn_ig65m-pretrained-r152_8xb12-32x2x1-58e_kinetics400-rgb/'
        'ircsn_ig65m-pretrained-r152_8xb12-32x2x1-58e_kinetics400-rgb_20220811-c7a3cc5b.pth')
model = dict(
    _delete_=True,
    type='DualResolutionRecognizer',
    student={{_base_.model}},
    student_overrides=dict(cls_head=dict(type='KDHead', alpha=0.5)),
    student_init=k400,
    teacher={{_base_.model}},
    teacher_ckpt=teacher_ckpt)
custom_hooks = [dict(type='TeacherCheckHook')]
