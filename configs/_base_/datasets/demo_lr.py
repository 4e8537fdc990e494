# The embedded demo dataset (tools/make_demo_data.py), low-res clips. Same layout
# as TinyVIRAT-v2, so only `data_root` / `class_map` differ from tinyvirat_lr.py.
dataset_type = 'TinyVIRATDataset'
data_root = 'data/tinyvirat_demo'
class_map = f'{data_root}/class_map.json'
num_classes = 8
num_segments = 8
input_size = 64

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=num_segments, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(type='UniformSample', clip_len=num_segments, num_clips=1, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=f'{data_root}/tiny_train_v2.json',
        data_prefix=dict(video=f'{data_root}/videos/train'),
        class_map=class_map,
        num_classes=num_classes,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=f'{data_root}/tiny_val_v2.json',
        data_prefix=dict(video=f'{data_root}/videos/val'),
        class_map=class_map,
        num_classes=num_classes,
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=f'{data_root}/tiny_test_v2.json',
        data_prefix=dict(video=f'{data_root}/videos/test'),
        class_map=class_map,
        num_classes=num_classes,
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = dict(type='TinyActionMetric')
test_evaluator = val_evaluator
