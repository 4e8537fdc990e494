# R(2+1)D-ResNet34 on TinyVIRAT-v2 low-res clips with the paper's training recipe:
# Kinetics-400 init, 16 uniform segments at 112 px, data balance (TailFlipBalance), BCE,
# AdamW lr 1e-4 (the schedule's default) with warmup and cosine warm restarts, 30 epochs,
# 8 GPUs x 8 clips. The ASL variant is the 2021 SUST&HKU entry's loss.
_base_ = [
    '../../_base_/models/r2plus1d_r34.py', '../../_base_/datasets/tinyvirat_lr.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

# mmaction2's R(2+1)D-34 checkpoint (Kinetics-400 from scratch, 32x2x1, 75.46% top-1;
# configs/recognition/r2plus1d/metafile.yml). The SUST&HKU entry started from an
# IG65M+Kinetics R(2+1)D-34 that mmaction2's model zoo does not have. Loaded non-strictly
# before training: the 400-class fc_cls is skipped (a "size mismatch" warning), the head
# starts from scratch. From scratch: `--cfg-options load_from=None`.
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/r2plus1d/'
             'r2plus1d_r34_8xb8-32x2x1-180e_kinetics400-rgb/'
             'r2plus1d_r34_8xb8-32x2x1-180e_kinetics400-rgb_20220812-4270588c.pth')
