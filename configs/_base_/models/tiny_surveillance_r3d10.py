# A 3D ResNet-10 sized for a few hundred clips trained from scratch on CPU: one basic
# block per stage, 16 base channels (16-32-64-128), ~0.9M parameters. The stem halves
# the tiny input once (conv1 3x5x5, spatial stride 2, no max-pooling), time is halved
# in stages 2-4. Input: 6 channels, the RGB frames and their temporal gradient
# (FrameDifference('rgb+diff'), see configs/_base_/datasets/tiny_surveillance_lr.py),
# normalised with ImageNet statistics and with mean 0 / std 10 (the gradient's measured
# std on the train clips is 9.6). Binary cross-entropy on sigmoid scores (multi-label
# head, paper section 5); the KD student swaps the head for a KDHead.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        depth=18,
        stage_blocks=(1, 1, 1, 1),
        base_channels=16,
        in_channels=6,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 5, 5),
        conv1_stride_s=2,
        conv1_stride_t=1,
        with_pool1=False,
        inflate=(1, 1, 1, 1),
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        norm_eval=False),
    cls_head=dict(
        type='ASLHead',
        num_classes=2,
        in_channels=128,
        loss_cls=dict(type='BCELossWithLogits'),
        dropout_ratio=0.5,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53, 0.0, 0.0, 0.0],
        std=[58.395, 57.12, 57.375, 10.0, 10.0, 10.0],
        format_shape='NCTHW'))
