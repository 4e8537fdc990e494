# Real tiny CCTV clips (fight / no_fight; low-res `lr/` clips of 24-112 px with 112 px
# `hr/` twins of the same frames; TinyVIRAT-v2 annotation format), read from
# data/tiny_surveillance/{train,val}/{annotations.json,lr/,hr/}. benchmarks/
# proxy_surveillance.py links that folder to the shared copy when it is absent; point it
# at your own clips the same way (or change `ann_file` / `data_prefix`).
# The real-proxy input, chosen by cross-validation inside train (benchmarks/
# proxy_selection.py): 16 uniform segments (paper section 2) at 32 px, random flips and
# random resized crops; every frame of the clip is decoded and each segment becomes its
# chosen frame followed by the segment's motion energy, the mean |frame difference| over
# all its frames (SegmentMotion, 6 channels), taken at the clip's native size (after the
# crop) and then area-resized with the frame to 32 px.
# Data balance is off (the classes are nearly balanced, 80 / 93 clips);
# configs/proxy/surveillance_lr_balance.py switches it on to measure it.
_base_ = ['./tinyvirat_lr.py']

data_root = 'data/tiny_surveillance'
class_map = data_root + '/class_map.json'
num_classes = 2
num_segments = 16
input_size = 32
tail_flip = None

# tinyvirat_lr.py's pipelines with the whole clip decoded, a random resized crop, then
# the segment frames with their motion energy, then the (area) resize. Derived configs
# find PairedResize at [6] of the train pipeline and [4] of the test pipeline.
train_pipeline = _base_.train_pipeline
test_pipeline = _base_.test_pipeline
train_pipeline[1].num_segments = test_pipeline[1].num_segments = num_segments
train_pipeline[1].all_frames = test_pipeline[1].all_frames = True
train_pipeline[3].flip_ratio = 0.5  # TailFlipBalance: random flips as well
train_pipeline[4].scale = test_pipeline[3].scale = (input_size, input_size)
train_pipeline[4].interpolation = test_pipeline[3].interpolation = 'area'
train_pipeline.insert(4, dict(type='RandomResizedCrop', area_range=(0.5, 1.0)))
train_pipeline.insert(5, dict(type='SegmentMotion', mode='rgb+energy'))
test_pipeline.insert(3, dict(type='SegmentMotion', mode='rgb+energy'))
train_dataloader = dict(
    num_workers=1,
    dataset=dict(
        ann_file=data_root + '/train/annotations.json',
        data_prefix=dict(video=data_root + '/train/lr'),
        class_map=class_map,
        num_classes=num_classes,
        tail_flip=tail_flip,
        flip_label_pairs=None,  # fight / no_fight: no mirrored direction
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(
        ann_file=data_root + '/val/annotations.json',
        data_prefix=dict(video=data_root + '/val/lr'),
        class_map=class_map,
        num_classes=num_classes,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
