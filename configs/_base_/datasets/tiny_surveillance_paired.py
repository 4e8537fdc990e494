# tiny_surveillance for dual-resolution distillation (paper section 3): each training
# sample carries the low-res clip (student, tiny_surveillance_lr.py's input) and its
# high-res twin (teacher, tiny_surveillance_hr.py's input size), decoded at the same
# frame indices with the same flip; the random crop applies to the student's clip only.
# Validation and test read the low-res clips only (the student alone is evaluated).
_base_ = ['./tiny_surveillance_lr.py']

data_root = 'data/tiny_surveillance'
sr_input_size = 48
train_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments={{_base_.num_segments}}),
    dict(type='TinyVideoDecode'),
    dict(type='TailFlipBalance', flip_ratio=0.5),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='PairedResize', scale=({{_base_.input_size}}, {{_base_.input_size}}),
         sr_scale=(sr_input_size, sr_input_size)),
    dict(type='FrameDifference', mode='rgb+diff'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
train_dataloader = dict(dataset=dict(
    data_prefix=dict(sr=data_root + '/train/hr'), pipeline=train_pipeline))
