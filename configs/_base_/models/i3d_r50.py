# I3D-ResNet50 (Carreira & Zisserman, CVPR 2017), a TinyVIRAT-v2 baseline: mmaction2's own
# `_base_/models/i3d_r50.py` (so its Kinetics-400 checkpoints load into it) with the
# multi-label ASLHead for the 26 classes (./asl_head.py). Built from scratch: no ImageNet
# inflation here; the leaf config (configs/recognition/i3d/) loads the Kinetics-400
# checkpoint with `load_from`.
# Needs at least 8 frames (conv1 and pool1 stride 2 in time, then pool2 of 2 frames).
_base_ = ['mmaction::_base_/models/i3d_r50.py', './asl_head.py']

model = dict(
    backbone=dict(pretrained2d=False, pretrained=None), cls_head=_base_.asl_head)
