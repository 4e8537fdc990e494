# I3D-ResNet50 (Carreira & Zisserman, CVPR 2017), a TinyVIRAT-v2 baseline.
# Architecture as mmaction2's `_base_/models/i3d_r50.py` (so its Kinetics-400 checkpoints
# load into it) with the multi-label ASLHead for the 26 classes. Built from scratch: no
# ImageNet inflation here (`pretrained=None`); the leaf config
# (configs/recognition/i3d/) loads the Kinetics-400 checkpoint with `load_from`.
# Needs at least 8 frames (conv1 and pool1 stride 2 in time, then pool2 of 2 frames).
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        pretrained2d=False,
        pretrained=None,
        depth=50,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=2,
        pool1_stride_t=2,
        conv_cfg=dict(type='Conv3d'),
        norm_eval=False,
        inflate=((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)),
        zero_init_residual=False),
    cls_head=dict(
        type='ASLHead',
        num_classes=26,
        in_channels=2048,
        loss_cls=dict(type='BCELossWithLogits'),
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
