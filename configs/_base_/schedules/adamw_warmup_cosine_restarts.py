# The paper's schedule (section 5): AdamW, linear warmup, CosineAnnealingWarmRestarts.
# Leaf configs set `max_epochs` in train_cfg and the lr in optim_wrapper.
max_epochs = 30
warmup_epochs = 2
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=40, norm_type=2))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineRestartLR', periods=[max_epochs - warmup_epochs], restart_weights=[1],
         eta_min=0, by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
