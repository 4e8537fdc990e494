# Demo main job, step 1: the low-res recognizer on the embedded demo dataset.
_base_ = [
    '../_base_/models/r3d_tiny.py', '../_base_/datasets/demo_lr.py',
    '../_base_/schedules/adamw_warmup_cosine_restarts.py', '../_base_/default_runtime.py'
]
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=3)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineRestartLR', periods=[max_epochs - 1], restart_weights=[1], eta_min=1e-5,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True),
]
optim_wrapper = dict(optimizer=dict(lr=2e-3, weight_decay=1e-4))
randomness = dict(seed=0)
