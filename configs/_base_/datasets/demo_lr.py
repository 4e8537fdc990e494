# The embedded demo dataset (demo/make_demo_data.py), low-res clips, in the layout of
# TinyVIRAT-v2. CPU-sized: 8 segments at 64 px (the paper uses 16 at 112+).
_base_ = ['./tinyvirat_lr.py']

data_root = 'data/tinyvirat_demo'
class_map = data_root + '/class_map.json'
num_classes = 8
num_segments = 8
input_size = 64
# the size of the high-res twins (videos_hr/, 128 px clips) for the teacher (demo_hr.py,
# demo_kd.py)
sr_input_size = 112
tail_flip = dict(
    _delete_=True, classes=['waving', 'vehicle_moving', 'jumping', 'falling'], copies=1)

train_pipeline = _base_.train_pipeline
test_pipeline = _base_.test_pipeline
# UniformSegment and PairedResize of both pipelines
train_pipeline[1].num_segments = test_pipeline[1].num_segments = num_segments
train_pipeline[4].scale = test_pipeline[3].scale = (input_size, input_size)

train_dataloader = dict(num_workers=2, dataset=dict(
    ann_file=data_root + '/tiny_train_v2.json',
    data_prefix=dict(video=data_root + '/videos/train'),
    class_map=class_map, num_classes=num_classes, tail_flip=tail_flip,
    flip_label_pairs=None,  # direction is random and not a label in the demo
    pipeline=train_pipeline))
val_dataloader = dict(num_workers=2, dataset=dict(
    ann_file=data_root + '/tiny_val_v2.json',
    data_prefix=dict(video=data_root + '/videos/val'),
    class_map=class_map, num_classes=num_classes, pipeline=test_pipeline))
# the demo scores its own labelled test split
test_dataloader = dict(val_dataloader, dataset=dict(
    val_dataloader['dataset'],
    ann_file=data_root + '/tiny_test_v2.json',
    data_prefix=dict(video=data_root + '/videos/test')))
