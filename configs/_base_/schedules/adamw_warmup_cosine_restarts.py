# The paper's schedule (section 5): AdamW, linear warmup, then cosine annealing with warm
# restarts (PyTorch's CosineAnnealingWarmRestarts; mmengine's CosineRestartLR).
# 30 epochs = 2 warmup epochs (lr x0.1 -> x1) + 4 cosine cycles of 7 epochs, each
# restarting at the full lr (CosineAnnealingWarmRestarts(T_0=7 epochs, T_mult=1,
# eta_min=0)), stepped every iteration. The paper gives neither the epochs nor the cycle
# length: 30 and 7 are our choices. The ends of the cycles (epochs 9, 16, 23, 30) are
# natural members of the paper's ensemble of "models trained at middle epochs" (section 4).
# lr 1e-4 is the paper's ir-CSN lr; leaf configs set their own lr in optim_wrapper.
# The scheduler is written out for 30 epochs: a config that changes `max_epochs` must
# rewrite `param_scheduler` too (as configs/_base_/schedules/adamw_cosine_12e_demo.py does).
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
    # 4 cycles of 7 epochs, each starting again at the full lr
    dict(type='CosineRestartLR', periods=[7, 7, 7, 7], restart_weights=[1, 1, 1, 1], eta_min=0,
         by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
auto_scale_lr = dict(enable=False, base_batch_size=64)
