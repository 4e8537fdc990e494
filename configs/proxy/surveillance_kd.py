# Real proxy experiment: the low-res student (surveillance_lr.py) distilled from the
# high-res teacher (surveillance_hr.py; its checkpoint: --cfg-options model.teacher_ckpt=...).
# Training samples pair each low-res clip with its high-res twin (same frames and flip).
_base_ = ['./surveillance_lr.py']

data_root = '../shared/data/tiny_surveillance'
teacher_ckpt = 'work_dirs/proxy/hr/teacher.pth'
model = dict(
    _delete_=True,
    type='DualResolutionRecognizer',
    student={{_base_.model}},
    student_overrides=dict(cls_head=dict(type='KDHead', alpha=0.5)),
    teacher={{_base_.model}},
    teacher_ckpt=teacher_ckpt)
custom_hooks = [dict(type='TeacherCheckHook')]
train_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments=8),
    dict(type='TinyVideoDecode'),
    dict(type='TailFlipBalance'),
    dict(type='PairedResize', scale=(64, 64), sr_scale=(112, 112)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
train_dataloader = dict(dataset=dict(
    data_prefix=dict(sr=data_root + '/train/hr'), pipeline=train_pipeline))
