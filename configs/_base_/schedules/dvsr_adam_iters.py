# DVSR super-resolution pre-training (stage 1, TinyVIRAT section V-B): Adam, lr 2e-4,
# betas (0.5, 0.9), constant lr, iteration-based. The paper gives neither the number of
# iterations nor when each growth step starts: 60k iterations (3 x 20k for x8) are our
# choice. Progressive leaf configs add ProgressiveGrowthHook (fade-in +5e-3 per iteration);
# leaf configs also make checkpoints / logs iteration-based (default_hooks, log_processor
# live in the runtime base).
max_iters = 60000
val_interval = 5000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.9)))
param_scheduler = []
