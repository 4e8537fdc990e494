# Baseline: I3D-ResNet50 (TinyVIRAT-v2 paper, table 2) with this project's recipe:
# Kinetics-400 init, 16 uniform segments at 112 px, data balance (TailFlipBalance), BCE,
# AdamW lr 1e-4 (the schedule's default) with warmup and cosine warm restarts, 30 epochs.
_base_ = [
    '../../_base_/models/i3d_r50.py', '../../_base_/datasets/tinyvirat_lr.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

# mmaction2's I3D-R50 checkpoint (ImageNet-inflated, Kinetics-400, 32x2x1, 73.47% top-1;
# configs/recognition/i3d/metafile.yml). Loaded non-strictly before training: the
# 400-class fc_cls is skipped (a "size mismatch" warning), the head starts from scratch.
# From scratch: `--cfg-options load_from=None`.
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/i3d/'
             'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb/'
             'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb_20220812-e213c223.pth')
