# TinyVIRAT method, stage 1, "DVSR" (Table V row 2): the full DVSR x8 (16 frames of 14x14 ->
# 16 of 112x112) pre-trained end to end with the L1 reconstruction loss (equation 1 with
# F_att = 1) on synthetic pairs of high-resolution VIRAT-style crops (data/virat_sr). No
# pretrained weights. Validation: PSNR / SSIM (mmagic's functions) on the val crops.
_base_ = [
    '../_base_/models/dvsr_i3d_r50.py', '../_base_/datasets/virat_sr.py',
    '../_base_/schedules/dvsr_adam_iters.py', '../_base_/default_runtime.py'
]

model = dict(stage='sr', classifier=None, attention=None)
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval={{_base_.val_interval}}, save_best='sr/psnr',
                    rule='greater', max_keep_ckpts=3))
log_processor = dict(by_epoch=False)
