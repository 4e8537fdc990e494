# tiny_surveillance high-res twins (112 px `hr/`, the stand-in for super-resolved clips),
# the input of the real proxy's teacher: the same frames, sampling and augmentation as
# tiny_surveillance_lr.py, at 48 px (1.5x the low-res input size, 2.25x the pixels; a
# larger teacher input would cost more than the hour that the whole proxy table gets).
_base_ = ['./tiny_surveillance_lr.py']

data_root = 'data/tiny_surveillance'
input_size = 48
# the low-res pipelines at this size (PairedResize is [6] in train, [4] in test)
train_pipeline = _base_.train_pipeline
test_pipeline = _base_.test_pipeline
train_pipeline[6].scale = test_pipeline[4].scale = (input_size, input_size)
train_dataloader = dict(dataset=dict(
    data_prefix=dict(video=data_root + '/train/hr'), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    data_prefix=dict(video=data_root + '/val/hr'), pipeline=test_pipeline))
test_dataloader = val_dataloader
