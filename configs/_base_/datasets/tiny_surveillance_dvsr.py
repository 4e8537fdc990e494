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
# the base pipelines without data balance (two classes, no tail to flip), 8 segments, and
# PairedResize ([3] of both once TailFlipBalance is gone) to the DVSR input and target sizes
train_pipeline = [t for t in _base_.train_pipeline if t.type != 'TailFlipBalance']
test_pipeline = _base_.test_pipeline
train_pipeline[1].num_segments = test_pipeline[1].num_segments = num_segments
train_pipeline[3].scale = test_pipeline[3].scale = dvsr_input_size
train_pipeline[3].sr_scale = test_pipeline[3].sr_scale = hr_size
train_pipeline[3].interpolation = test_pipeline[3].interpolation = 'area'
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
