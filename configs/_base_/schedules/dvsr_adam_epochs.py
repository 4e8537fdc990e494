# Joint DVSR + attention + classifier training (stage 2) and classifier training on DVSR
# outputs (equation 4): Adam, lr 2e-4, betas (0.5, 0.9), constant lr (TinyVIRAT section
# V-B), epoch-based. 30 epochs as this project's recognition configs; leaf configs may
# change `max_epochs` (nothing else depends on it).
max_epochs = 30
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.9)),
                     clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = []
