# tiny_surveillance for dual-resolution distillation (paper section 3): each training
# sample carries the low-res clip (student, tiny_surveillance_lr.py's input) and its
# high-res twin (teacher, tiny_surveillance_hr.py's input size), decoded at the same
# frame indices with the same flip; the random crop applies to the student's clip only.
# Validation and test read the low-res clips only (the student alone is evaluated).
_base_ = ['./tiny_surveillance_lr.py']

data_root = 'data/tiny_surveillance'
sr_input_size = 48
# the low-res train pipeline, its PairedResize ([6]) also sizing the high-res twin
train_pipeline = _base_.train_pipeline
train_pipeline[6].sr_scale = (sr_input_size, sr_input_size)
train_dataloader = dict(dataset=dict(
    data_prefix=dict(sr=data_root + '/train/hr'), pipeline=train_pipeline))
