# The SUSTech & HKU entry's submission (Wang et al. 2021, Table 1 "Five samples", F1
# 0.4102): "sample 16 frames randomly five times and then average the classification
# scores" (5 seeded random views per clip, probabilities averaged by the head).
_base_ = ['./r2plus1d_r34_asl_8xb8-16rand-30e_tinyvirat-lr-nobalance.py']

test_pipeline = _base_.test_pipeline
test_pipeline[1].num_views = 5  # UniformSegment
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
