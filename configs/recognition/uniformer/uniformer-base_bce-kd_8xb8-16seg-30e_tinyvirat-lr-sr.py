# UniFormer-Base student distilled from the UniFormer (SR) teacher (paper section 3,
# equation 1, alpha = 0.5), as the ir-CSN KD config.
_base_ = [
    '../../_base_/models/uniformer_base.py', '../../_base_/datasets/tinyvirat_paired.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

optim_wrapper = dict(optimizer=dict(lr=2e-4))
teacher_ckpt = 'work_dirs/uniformer_sr/teacher.pth'
k400 = ('https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv1/'
        'uniformer-base_imagenet1k-pre_16x4x1_kinetics400-rgb_20221219-157c2e66.pth')
model = dict(
    _delete_=True,
    type='DualResolutionRecognizer',
    student={{_base_.model}},
    student_overrides=dict(cls_head=dict(type='KDHead', alpha=0.5)),
    student_init=k400,
    teacher={{_base_.model}},
    teacher_ckpt=teacher_ckpt)
custom_hooks = [dict(type='TeacherCheckHook')]
