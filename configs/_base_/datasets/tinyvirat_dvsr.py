# TinyVIRAT-v2 for the TinyVIRAT method (DVSR x8 -> classifier): the classifier sees
# DVSR(16 frames of 14x14). TinyVIRAT has no high-resolution twins, so training samples get
# the paper's synthetic pairs (section V-A): the clip resized to 112 px is the target
# (`sr_inputs`, used by the reconstruction loss of the joint stage) and its x8 area
# down-scale the input. Validation / test: the real low-res clip area-resized to 14 px.
_base_ = ['./tinyvirat_lr.py']

dvsr_input_size = 14  # read by tools/data/super_resolve.py --model dvsr
hr_size = 112
sr_factor = hr_size // dvsr_input_size
train_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments={{_base_.num_segments}}),
    dict(type='TinyVideoDecode'),
    dict(type='TailFlipBalance'),
    dict(type='SyntheticLowRes', hr_scale=hr_size, factor=sr_factor),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
test_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments={{_base_.num_segments}}, test_mode=True),
    dict(type='TinyVideoDecode'),
    dict(type='PairedResize', scale=dvsr_input_size, sr_scale=None, interpolation='area'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
