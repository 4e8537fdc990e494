# UniFormer-Base student (uniformer-base_bce_..._tinyvirat-lr.py) distilled from the
# UniFormer (SR) teacher (paper section 3, equation 1, alpha = 0.5: not given in the paper,
# unvalidated on TinyVIRAT-v2, see _base_/models/dual_resolution.py), as the ir-CSN KD config.
_base_ = [
    './uniformer-base_bce_8xb8-16seg-30e_tinyvirat-lr.py',
    '../../_base_/models/dual_resolution.py'
]

teacher_ckpt = 'work_dirs/uniformer_sr/teacher.pth'
model = dict(
    _delete_=True, **_base_.dual_resolution, student=_base_.model,
    student_init=_base_.load_from, teacher=_base_.model, teacher_ckpt=teacher_ckpt)
load_from = None
custom_hooks = [dict(type='TeacherCheckHook')]

train_pipeline = _base_.train_pipeline
train_pipeline[4].sr_scale = (_base_.sr_input_size, _base_.sr_input_size)  # PairedResize
train_dataloader = dict(dataset=dict(
    data_prefix=dict(sr=_base_.data_root + '/videos_sr/train'), pipeline=train_pipeline))
