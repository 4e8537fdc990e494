# Real paired clips for the CPU-sized TinyVIRAT method: tiny_surveillance (fight / no_fight,
# 24-112 px `lr/` with 112 px `hr/` twins of the same frames, TinyVIRAT-v2 annotations).
# The DVSR input is the `lr/` clip area-resized to 14 px (8 uniform segments), the target
# the `hr/` twin area-resized to 56 px (x4). Train, val and test all carry the twins (PSNR /
# SSIM in stage 1, the reconstruction loss in stage 2). Put the data (or a link) at
# data/tiny_surveillance/{class_map.json, train/, val/}.
_base_ = ['./tinyvirat_lr.py']

data_root = 'data/tiny_surveillance'
class_map = data_root + '/class_map.json'
num_classes = 2
num_segments = 8
dvsr_input_size = 14  # read by tools/data/super_resolve.py --model dvsr
hr_size = 56
train_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments=num_segments),
    dict(type='TinyVideoDecode'),
    dict(type='PairedResize', scale=dvsr_input_size, sr_scale=hr_size, interpolation='area'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
test_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments=num_segments, test_mode=True),
    dict(type='TinyVideoDecode'),
    dict(type='PairedResize', scale=dvsr_input_size, sr_scale=hr_size, interpolation='area'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
train_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=False,
    dataset=dict(
        ann_file=data_root + '/train/annotations.json',
        data_prefix=dict(video=data_root + '/train/lr', sr=data_root + '/train/hr'),
        class_map=class_map, num_classes=num_classes, tail_flip=None,
        flip_label_pairs=None,  # fight / no_fight: no mirrored direction
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=False,
    dataset=dict(
        ann_file=data_root + '/val/annotations.json',
        data_prefix=dict(video=data_root + '/val/lr', sr=data_root + '/val/hr'),
        class_map=class_map, num_classes=num_classes,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
