# CPU-sized TinyVIRAT method on real paired clips, stage 1 "DVSR": DVSR x4 (8 frames of 14x14
# -> 8 of 56x56, 8 channels) trained end to end with the L1 loss on tiny_surveillance's
# `lr/` -> `hr/` twins (data/tiny_surveillance). Validation: PSNR / SSIM on val twins.
_base_ = [
    '../../_base_/models/dvsr_r3d_tiny.py', '../../_base_/datasets/tiny_surveillance_dvsr.py',
    '../../_base_/schedules/dvsr_adam_iters.py', '../../_base_/default_runtime.py'
]

max_iters = 600
val_interval = 200
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
model = dict(stage='sr', classifier=None, attention=None)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=val_interval, save_best='sr/psnr',
                    rule='greater', max_keep_ckpts=3))
log_processor = dict(by_epoch=False)
val_evaluator = dict(_delete_=True, type='SRQualityMetric')
test_evaluator = val_evaluator
