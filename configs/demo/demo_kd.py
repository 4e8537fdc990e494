# Demo main job, step 3: dual-resolution distillation (paper section 3, equation 1).
# The low-res student (demo_lr.py's recognizer, with a KDHead) learns from the labels
# and from the frozen high-res teacher (demo_hr.py) run on the paired high-res clip.
_base_ = ['./demo_lr.py', '../_base_/models/dual_resolution.py']

# the teacher checkpoint: tools/train.py configs/demo/demo_hr.py writes it
teacher_ckpt = 'work_dirs/demo/hr/teacher.pth'
model = dict(
    _delete_=True, **_base_.dual_resolution, student=_base_.model,
    teacher=_base_.model, teacher_ckpt=teacher_ckpt)
custom_hooks = [dict(type='TeacherCheckHook')]

# training samples carry the high-res twin, the teacher's input
train_pipeline = _base_.train_pipeline
train_pipeline[4].sr_scale = (_base_.sr_input_size, _base_.sr_input_size)  # PairedResize
train_dataloader = dict(dataset=dict(
    data_prefix=dict(sr=_base_.data_root + '/videos_hr/train'), pipeline=train_pipeline))
