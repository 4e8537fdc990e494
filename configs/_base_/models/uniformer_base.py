# UniFormer-Base (Li et al., ICLR 2022), the paper's second backbone (section 2).
# Architecture as mmaction2's `recognition/uniformer/uniformer-base_imagenet1k-pre_16x4x1_
# kinetics400-rgb.py` (so its Kinetics-400 checkpoint loads into it; mmaction2 has no
# `_base_/models` file for it), with the paper's drop-path rate 0.4 (section 5; mmaction2
# uses 0.3) and the multi-label ASLHead for the 26 TinyVIRAT-v2 classes (./asl_head.py,
# without dropout). Built from scratch (`pretrained2d=False`: the backbone's own
# TruncNormal/Constant init applies); the leaf configs (configs/recognition/uniformer/)
# load the Kinetics-400 checkpoint with `load_from`. Normalisation is UniFormer's own.
_base_ = ['./asl_head.py']

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='UniFormer',
        depth=[5, 8, 20, 7],
        embed_dim=[64, 128, 320, 512],
        head_dim=64,
        drop_path_rate=0.4,
        pretrained2d=False,
        pretrained=None),
    cls_head=dict(_base_.asl_head, in_channels=512, dropout_ratio=0.0),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[114.75, 114.75, 114.75],
        std=[57.375, 57.375, 57.375],
        format_shape='NCTHW'))
