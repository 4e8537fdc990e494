# ir-CSN-ResNet152 (Tran et al., ICCV 2019), the paper's first backbone (section 2).
# Architecture as mmaction2's `_base_/models/ircsn_r152.py` (so mmaction2's Kinetics-400
# checkpoints load into it), with the multi-label ASLHead for the 26 TinyVIRAT-v2 classes
# and the paper's dropout 0.5 (section 5). Built from scratch: the leaf configs
# (configs/recognition/csn/) load the Kinetics-400 checkpoint with `load_from`.
# Loss: BCE, the paper's main loss; the `_asl_` leaf configs swap in ASL.
# Distillation: swap the head type, e.g. `model = dict(cls_head=dict(type='KDHead'))`.
model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dCSN',
        pretrained2d=False,
        pretrained=None,
        depth=152,
        with_pool2=False,
        bottleneck_mode='ir',
        norm_eval=False,
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
