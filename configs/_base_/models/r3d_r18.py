# 3D ResNet-18 (Hara et al., CVPR 2018; "Resnet-3D" of the TinyVIRAT-v2 baselines):
# full 3x3x3 convolutions everywhere, no temporal down-sampling before layer2: the demo's
# recognizer (./r3d_tiny.py) at full width (64 base channels), with the multi-label
# ASLHead for the 26 classes (./asl_head.py). mmaction2 has no Kinetics-400 checkpoint for
# it, so it trains from scratch.
_base_ = ['./r3d_tiny.py', './asl_head.py']

model = dict(
    backbone=dict(base_channels=64, zero_init_residual=False),
    cls_head=dict(_base_.asl_head, in_channels=512))
