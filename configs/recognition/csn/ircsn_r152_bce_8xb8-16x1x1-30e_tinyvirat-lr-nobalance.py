# Paper Table 1, ir-CSN "Without" (F1 0.403): neither uniform segment sampling nor data
# balance. The paper does not say what it sampled instead; this is mmaction2's standard
# clip sampling, SampleFrames 16x1x1 (16 consecutive frames: a random window in training,
# the centre window in test; short clips loop).
_base_ = ['./ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-lr-nobalance.py']

train_pipeline, test_pipeline = _base_.train_pipeline, _base_.test_pipeline
train_pipeline[1], test_pipeline[1] = _base_.dense_clip, dict(_base_.dense_clip, test_mode=True)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
