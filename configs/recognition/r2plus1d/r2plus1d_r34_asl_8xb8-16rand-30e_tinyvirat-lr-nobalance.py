# The SUSTech & HKU entry's sampling (Wang et al. 2021, section 3, Table 1 "Single sample",
# F1 0.4016): "we sample 16 frames randomly" (UniformSegment sampling='random': 16 frames
# drawn from the whole clip, in order) in training, and one seeded random draw in test.
_base_ = ['./r2plus1d_r34_asl_8xb8-16seg-30e_tinyvirat-lr-nobalance.py']

train_pipeline, test_pipeline = _base_.train_pipeline, _base_.test_pipeline
train_pipeline[1].sampling = test_pipeline[1].sampling = 'random'  # UniformSegment
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
