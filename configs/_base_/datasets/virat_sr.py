# High-resolution-only clips for DVSR pre-training (stage 1), as the paper's: VIRAT crops of
# at least 112x112, cropped like TinyVIRAT's tubes (section V-A). Synthetic pairs on the fly:
# target = clip resized to 112 px (`sr_inputs`), input = its x8 area down-scale (14 px).
# Layout (TinyVIRAT-v2 annotation format; labels are not needed, the class map only names
# the classes):
#   data/virat_sr/{sr_train.json, sr_val.json, videos/{train,val}/...}
_base_ = ['./tinyvirat_dvsr.py']

data_root = 'data/virat_sr'
val_pipeline = [
    dict(type='TinyVideoInit'),
    dict(type='UniformSegment', num_segments={{_base_.num_segments}}, test_mode=True),
    dict(type='TinyVideoDecode'),
    dict(type='SyntheticLowRes', hr_scale={{_base_.hr_size}}, factor={{_base_.sr_factor}}),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackTinyActionInputs'),
]
train_dataloader = dict(dataset=dict(
    ann_file=data_root + '/sr_train.json',
    data_prefix=dict(video=data_root + '/videos/train'),
    tail_flip=None))
val_dataloader = dict(dataset=dict(
    ann_file=data_root + '/sr_val.json',
    data_prefix=dict(video=data_root + '/videos/val'),
    pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='SRQualityMetric')
test_evaluator = val_evaluator
