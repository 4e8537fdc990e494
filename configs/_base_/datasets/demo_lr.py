# The embedded demo dataset (demo/make_demo_data.py), low-res clips, in the layout of
# TinyVIRAT-v2. CPU-sized: 8 segments at 64 px (the paper uses 16 at 112+).
_base_ = ['./tinyvirat_lr.py']

data_root = 'data/tinyvirat_demo'
class_map = data_root + '/class_map.json'
num_classes = 8
num_segments = 8
input_size = 64
tail_flip = dict(
    _delete_=True, classes=['waving', 'vehicle_moving', 'jumping', 'falling'], copies=1)

train_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments=num_segments),
    dict(type='TinyVideoDecode'),
    dict(type='TailFlipBalance'),
    dict(type='PairedResize', scale=(input_size, input_size), sr_scale=None),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
test_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments=num_segments, test_mode=True),
    dict(type='TinyVideoDecode'),
    dict(type='PairedResize', scale=(input_size, input_size), sr_scale=None),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]


train_dataloader = dict(
    num_workers=2,
    dataset=dict(
        ann_file=data_root + '/tiny_train_v2.json',
        data_prefix=dict(video=data_root + '/videos/train'),
        class_map=class_map,
        num_classes=num_classes,
        tail_flip=tail_flip,
        flip_label_pairs=None,  # direction is random and not a label in the demo
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(
        ann_file=data_root + '/tiny_val_v2.json',
        data_prefix=dict(video=data_root + '/videos/val'),
        class_map=class_map,
        num_classes=num_classes,
        pipeline=test_pipeline))
test_dataloader = dict(
    num_workers=2,
    dataset=dict(
        ann_file=data_root + '/tiny_test_v2.json',
        data_prefix=dict(video=data_root + '/videos/test'),
        class_map=class_map,
        num_classes=num_classes,
        pipeline=test_pipeline))
