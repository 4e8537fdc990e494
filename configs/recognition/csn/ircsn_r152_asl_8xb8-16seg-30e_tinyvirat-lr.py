# As the BCE config, with the asymmetric loss (ASL, Ben-Baruch et al. 2021), the paper's
# second loss against the positive-negative imbalance (section 5).
_base_ = ['./ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-lr.py']

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='AsymmetricLoss')))
