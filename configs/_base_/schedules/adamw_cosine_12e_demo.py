# CPU-sized schedule of the demo: 12 epochs, 1 warmup epoch, one cosine period.
_base_ = ['./adamw_warmup_cosine_restarts.py']

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
