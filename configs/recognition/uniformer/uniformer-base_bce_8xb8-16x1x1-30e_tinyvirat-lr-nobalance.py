# Paper Table 1, UniFormer "Without" (F1 0.404): neither uniform segment sampling nor data
# balance; mmaction2's standard SampleFrames 16x1x1 instead (as the ir-CSN "Without" config).
_base_ = ['./uniformer-base_bce_8xb8-16seg-30e_tinyvirat-lr-nobalance.py']

train_pipeline, test_pipeline = _base_.train_pipeline, _base_.test_pipeline
train_pipeline[1], test_pipeline[1] = _base_.dense_clip, dict(_base_.dense_clip, test_mode=True)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
