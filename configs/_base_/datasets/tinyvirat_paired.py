# TinyVIRAT-v2 for dual-resolution distillation (paper section 3): each training sample
# carries the low-res clip (student, 112 px) and its super-resolved twin (teacher,
# 224 px) decoded at the same frame indices with the same flip. Validation and test read
# the low-res clips only (the student alone is evaluated).
_base_ = ['./tinyvirat_lr.py']

data_root = 'data/TinyVIRAT-v2'
sr_input_size = 224
train_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments={{_base_.num_segments}}),
    dict(type='TinyVideoDecode'),
    dict(type='TailFlipBalance'),
    dict(type='PairedResize', scale=({{_base_.input_size}}, {{_base_.input_size}}),
         sr_scale=(sr_input_size, sr_input_size)),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
train_dataloader = dict(dataset=dict(
    data_prefix=dict(sr=data_root + '/videos_sr/train'), pipeline=train_pipeline))
