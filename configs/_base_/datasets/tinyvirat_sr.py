# TinyVIRAT-v2 super-resolved clips (tools/data/super_resolve.py writes videos_sr/ with the
# same relative paths as videos/): the input of the SR teacher ("ir-CSN (SR)", paper
# section 3), at the paper's 224 px.
_base_ = ['./tinyvirat_lr.py']

data_root = 'data/TinyVIRAT-v2'
input_size = 224
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
    data_prefix=dict(video=data_root + '/videos_sr/train'), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    data_prefix=dict(video=data_root + '/videos_sr/val'), pipeline=test_pipeline))
test_dataloader = val_dataloader
