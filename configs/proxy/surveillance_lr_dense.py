# Real proxy, sampling ablation: the recipe (surveillance_lr.py) with 16 consecutive
# frames from the middle of the clip (a random position in training; mmaction's
# SampleFrames) instead of the paper's 16 uniform segments over the whole clip; each frame
# is its own segment (its motion energy is its own step, SegmentMotion(per_frame=True),
# at the native size as in the recipe).
_base_ = ['./surveillance_lr.py']

sampler = dict(type='SampleFrames', clip_len=16, frame_interval=1, num_clips=1)
train_pipeline = [
    dict(type='TinyVideoInit'),
    sampler,
    dict(type='TinyVideoDecode'),
    dict(type='TailFlipBalance', flip_ratio=0.5),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='SegmentMotion', mode='rgb+energy', per_frame=True),
    dict(type='PairedResize', scale=(32, 32), sr_scale=None,
         interpolation='area'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
test_pipeline = [
    dict(type='TinyVideoInit'),
    dict(sampler, test_mode=True),
    dict(type='TinyVideoDecode'),
    dict(type='SegmentMotion', mode='rgb+energy', per_frame=True),
    dict(type='PairedResize', scale=(32, 32), sr_scale=None,
         interpolation='area'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
