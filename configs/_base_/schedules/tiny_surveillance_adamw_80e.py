# CPU schedule of the real proxy (configs/proxy/): AdamW, 2 warmup epochs, then one
# cosine period to zero over the remaining epochs (the paper's warm restarts need more
# epochs than a 10-minute CPU budget gives). Checkpoints every quarter: the last three
# are the members of the checkpoint ensemble (paper section 4: "models trained at
# the middle epochs"). Validation only at those epochs (val is never used to select).
_base_ = ['./adamw_warmup_cosine_restarts.py']

max_epochs = 80
warmup_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_begin=max_epochs // 4,
                 val_interval=max_epochs // 4)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs, eta_min=0,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=0.05))
randomness = dict(seed=0)
