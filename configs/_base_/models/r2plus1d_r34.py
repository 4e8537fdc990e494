# R(2+1)D-ResNet34 (Tran et al., CVPR 2018), the backbone of the 2021 SUST&HKU entry
# (R(2+1)D-34 + ASL at 112 px) and the best TinyVIRAT-v2 baseline.
# Architecture as mmaction2's `_base_/models/r2plus1d_r34.py` (so its Kinetics-400
# checkpoints load into it) except BN3d instead of SyncBN (SyncBN does not run on CPU or
# with gloo; same parameter names), with the multi-label ASLHead for the 26 classes.
# Built from scratch: the leaf configs (configs/recognition/r2plus1d/) load the
# Kinetics-400 checkpoint with `load_from`.
# Loss: BCE; the `_asl_` leaf configs swap in ASL.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet2Plus1d',
        depth=34,
        pretrained=None,
        pretrained2d=False,
        norm_eval=False,
        conv_cfg=dict(type='Conv2plus1d'),
        norm_cfg=dict(type='BN3d', requires_grad=True, eps=1e-3),
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        zero_init_residual=False),
    cls_head=dict(
        type='ASLHead',
        num_classes=26,
        in_channels=512,
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
