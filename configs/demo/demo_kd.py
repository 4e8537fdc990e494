# Demo main job, step 3: dual-resolution distillation (paper section 3, equation 1).
# The low-res student (demo_lr.py's recognizer, with a KDHead) learns from the labels
# and from the frozen high-res teacher (demo_hr.py) run on the paired high-res clip.
_base_ = [
    '../_base_/models/r3d_tiny.py', '../_base_/datasets/demo_paired.py',
    '../_base_/schedules/adamw_cosine_12e_demo.py', '../_base_/default_runtime.py'
]

# the teacher checkpoint: tools/train.py configs/demo/demo_hr.py writes it
teacher_ckpt = 'work_dirs/demo/hr/teacher.pth'
model = dict(
    _delete_=True,
    type='DualResolutionRecognizer',
    student={{_base_.model}},
    student_overrides=dict(cls_head=dict(type='KDHead', alpha=0.5)),
    teacher={{_base_.model}},
    teacher_ckpt=teacher_ckpt)
custom_hooks = [dict(type='TeacherCheckHook')]
