# As the BCE config, with the asymmetric loss (ASL, Ben-Baruch et al. 2021): R(2+1)D-34 +
# ASL at 112 px is the 2021 SUST&HKU TinyAction entry.
_base_ = ['./r2plus1d_r34_bce_8xb8-16seg-30e_tinyvirat-lr.py']

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='AsymmetricLoss')))
