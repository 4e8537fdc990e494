# TinyVIRAT-v2 super-resolved clips (tools/data/super_resolve.py writes videos_sr/ with the
# same relative paths as videos/): the input of the SR teacher ("ir-CSN (SR)", paper
# section 3), at the paper's 224 px. The low-res dataset with other clips at another size.
_base_ = ['./tinyvirat_lr.py']

input_size = _base_.sr_input_size
train_pipeline = _base_.train_pipeline
test_pipeline = _base_.test_pipeline
train_pipeline[4].scale = test_pipeline[3].scale = (input_size, input_size)  # PairedResize
train_dataloader = dict(dataset=dict(
    data_prefix=dict(video=_base_.data_root + '/videos_sr/train'), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    data_prefix=dict(video=_base_.data_root + '/videos_sr/val'), pipeline=test_pipeline))
test_dataloader = val_dataloader
