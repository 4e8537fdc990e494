# R(2+1)D-ResNet34 (Tran et al., CVPR 2018), the backbone of the 2021 SUST&HKU entry
# (R(2+1)D-34 + ASL at 112 px) and the best TinyVIRAT-v2 baseline: mmaction2's own
# `_base_/models/r2plus1d_r34.py` (so its Kinetics-400 checkpoints load into it) except
# BN3d instead of SyncBN (SyncBN does not run on CPU or with gloo; same parameter names),
# with the multi-label ASLHead for the 26 classes (./asl_head.py). Built from scratch: the
# leaf configs (configs/recognition/r2plus1d/) load the Kinetics-400 checkpoint with
# `load_from`.
_base_ = ['mmaction::_base_/models/r2plus1d_r34.py', './asl_head.py']

model = dict(
    backbone=dict(norm_cfg=dict(type='BN3d')), cls_head=_base_.asl_head)
