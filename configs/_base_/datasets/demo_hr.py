# The demo dataset's high-resolution twins (videos_hr/, 128 px): the stand-in for
# RealBasicVSR output when training the demo's SR teacher (CPU-sized: 112 px input).
# The low-res demo dataset with other clips at another size, as tinyvirat_sr.py.
_base_ = ['./demo_lr.py']

input_size = _base_.sr_input_size
train_pipeline = _base_.train_pipeline
test_pipeline = _base_.test_pipeline
train_pipeline[4].scale = test_pipeline[3].scale = (input_size, input_size)  # PairedResize
train_dataloader = dict(dataset=dict(
    data_prefix=dict(video=_base_.data_root + '/videos_hr/train'), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    data_prefix=dict(video=_base_.data_root + '/videos_hr/val'), pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(
    data_prefix=dict(video=_base_.data_root + '/videos_hr/test'), pipeline=test_pipeline))
