# TinyVIRAT method, stage 2 (equation 3): the progressive DVSR (stage-1 checkpoint), the
# foreground attention branch and I3D-R50 (Kinetics-400 init) trained jointly on TinyVIRAT-v2:
# lambda_rec * L_rec (attention-weighted L1 against the synthetic 112 px target)
# + lambda_att * (BCE of I3D on SR * F_att + lambda_att * |F_att|_1), lambda_rec = 1,
# lambda_att = 0.5; Adam lr 2e-4, betas (0.5, 0.9). 10 epochs is our choice (not given).
_base_ = [
    '../_base_/models/dvsr_i3d_r50.py', '../_base_/datasets/tinyvirat_dvsr.py',
    '../_base_/schedules/dvsr_adam_epochs.py', '../_base_/default_runtime.py'
]

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
model = dict(
    stage='joint',
    generator_ckpt='work_dirs/dvsr-x8-prog_8xb8-16x14px-60k_virat-sr/iter_60000.pth',
    classifier_init={{_base_.i3d_k400}})
