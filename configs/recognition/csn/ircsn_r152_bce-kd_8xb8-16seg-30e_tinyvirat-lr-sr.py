# ir-CSN (SR+KD), paper section 3, equation 1 / Table 2: the low-res ir-CSN student
# (ircsn_r152_bce_..._tinyvirat-lr.py) learns from the labels (BCE) and from the frozen SR
# teacher (ircsn_r152_bce_..._tinyvirat-sr.py) run on the super-resolved twin of each
# training clip, same frames and flip:
#   L = alpha * BCE(p, y) + (1 - alpha) * mean_c (sigmoid(p)_c - k_c)^2,  alpha = 0.5
# (the paper gives no alpha; 0.5 is unvalidated on TinyVIRAT-v2: _base_/models/dual_resolution.py).
# `tools/test.py` on this config's checkpoints reports the student (low-res input only).
_base_ = [
    './ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-lr.py',
    '../../_base_/models/dual_resolution.py'
]

# The trained SR teacher: set it here or with `--cfg-options model.teacher_ckpt=PATH`.
teacher_ckpt = 'work_dirs/csn_sr/teacher.pth'
# The student starts from the low-res config's Kinetics-400 checkpoint (`load_from` would
# not fit: the checkpoint's keys have no `student.` prefix). From scratch:
# `--cfg-options model.student_init=None`.
model = dict(
    _delete_=True, **_base_.dual_resolution, student=_base_.model,
    student_init=_base_.load_from, teacher=_base_.model, teacher_ckpt=teacher_ckpt)
load_from = None
custom_hooks = [dict(type='TeacherCheckHook')]

# training samples carry the super-resolved twin, the teacher's input
train_pipeline = _base_.train_pipeline
train_pipeline[4].sr_scale = (_base_.sr_input_size, _base_.sr_input_size)  # PairedResize
train_dataloader = dict(dataset=dict(
    data_prefix=dict(sr=_base_.data_root + '/videos_sr/train'), pipeline=train_pipeline))
