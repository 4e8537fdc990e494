# tiny_surveillance high-res twins (112 px `hr/`, the stand-in for super-resolved clips),
# the input of the real proxy's teacher: the same frames, sampling and augmentation as
# tiny_surveillance_lr.py, at 48 px (1.5x the low-res input size, 2.25x the pixels; a
# larger teacher input would cost more than the hour that the whole proxy table gets).
_base_ = ['./tiny_surveillance_lr.py']

data_root = 'data/tiny_surveillance'
input_size = 48
train_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments={{_base_.num_segments}}),
    dict(type='TinyVideoDecode'),
    dict(type='TailFlipBalance', flip_ratio=0.5),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='PairedResize', scale=(input_size, input_size), sr_scale=None),
    dict(type='FrameDifference', mode='rgb+diff'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
test_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments={{_base_.num_segments}}, test_mode=True),
    dict(type='TinyVideoDecode'),
    dict(type='PairedResize', scale=(input_size, input_size), sr_scale=None),
    dict(type='FrameDifference', mode='rgb+diff'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
train_dataloader = dict(dataset=dict(
    data_prefix=dict(video=data_root + '/train/hr'), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    data_prefix=dict(video=data_root + '/val/hr'), pipeline=test_pipeline))
test_dataloader = val_dataloader
