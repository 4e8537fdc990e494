# 3D ResNet-18 (Hara et al., CVPR 2018; "Resnet-3D" of the TinyVIRAT-v2 baselines):
# full 3x3x3 convolutions everywhere, 64 base channels, no temporal down-sampling before
# layer2 (as r3d_tiny.py, the demo's 16-channel version of it). mmaction2 has no
# Kinetics-400 checkpoint for it, so it trains from scratch. Multi-label ASLHead, 26 classes.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        depth=18,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        norm_eval=False,
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
