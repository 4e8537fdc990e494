# A small 3D ResNet-18 (16 base channels, ~2M parameters) trained from scratch: the
# CPU-sized model of the demo and the tests (./r3d_r18.py is it at full width). Full
# 3x3x3 convolutions, no temporal down-sampling before layer2. Multi-label head with ASL.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        depth=18,
        base_channels=16,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        norm_eval=False),
    cls_head=dict(
        type='ASLHead',
        num_classes=8,
        in_channels=128,
        dropout_ratio=0.2,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
