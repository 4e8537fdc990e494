# Demo dataset for dual-resolution distillation: training samples carry the low-res
# clip (student, 64 px) and its high-res twin (teacher, 112 px) decoded at the same
# frame indices with the same flip. Validation and test use the low-res clip only.
_base_ = ['./demo_lr.py']

data_root = 'data/tinyvirat_demo'

sr_input_size = 112
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
    data_prefix=dict(sr=data_root + '/videos_hr/train'), pipeline=train_pipeline))
