# Real proxy: dual-resolution distillation (paper section 3, equation 1, alpha 0.5, MSE
# on probabilities). The recipe's low-res student (surveillance_lr.py's model) with a
# KDHead learns from the labels and from the frozen high-res teacher (surveillance_hr.py;
# its checkpoint: --cfg-options model.teacher_ckpt=...) run on the paired hr/ clip of the
# same frames and flip.
_base_ = [
    '../_base_/models/tiny_surveillance_r3d18.py',
    '../_base_/datasets/tiny_surveillance_paired.py',
    '../_base_/schedules/tiny_surveillance_adamw_80e.py', '../_base_/default_runtime.py'
]

teacher_ckpt = 'work_dirs/proxy/hr/seed0/epoch_80.pth'
model = dict(
    _delete_=True,
    type='DualResolutionRecognizer',
    student={{_base_.model}},
    student_overrides=dict(cls_head=dict(type='KDHead', alpha=0.5)),
    teacher={{_base_.model}},
    teacher_ckpt=teacher_ckpt)
custom_hooks = [dict(type='TeacherCheckHook')]
default_hooks = dict(checkpoint=dict(interval=20, save_best=None, max_keep_ckpts=4))
