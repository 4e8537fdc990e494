# The demo dataset's high-resolution twins (videos_hr/, 128 px): the stand-in for
# RealBasicVSR output when training the demo's SR teacher (CPU-sized: 112 px input).
_base_ = ['./demo_lr.py']

data_root = 'data/tinyvirat_demo'

input_size = 112
train_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments={{_base_.num_segments}}),
    dict(type='TinyVideoDecode'),
    dict(type='TailFlipBalance'),
    dict(type='PairedResize', scale=(input_size, input_size), sr_scale=None),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
test_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments={{_base_.num_segments}}, test_mode=True),
    dict(type='TinyVideoDecode'),
    dict(type='PairedResize', scale=(input_size, input_size), sr_scale=None),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
train_dataloader = dict(dataset=dict(
    data_prefix=dict(video=data_root + '/videos_hr/train'), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    data_prefix=dict(video=data_root + '/videos_hr/val'), pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(
    data_prefix=dict(video=data_root + '/videos_hr/test'), pipeline=test_pipeline))
