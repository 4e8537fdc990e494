# Baseline: 3D ResNet-18 ("Resnet-3D" of the TinyVIRAT-v2 paper, table 2) trained from
# scratch (mmaction2 has no Kinetics-400 checkpoint for it) with this project's recipe:
# 16 uniform segments at 112 px, data balance (TailFlipBalance), BCE, AdamW with warmup and
# cosine warm restarts, 30 epochs, 8 GPUs x 8 clips.
_base_ = [
    '../../_base_/models/r3d_r18.py', '../../_base_/datasets/tinyvirat_lr.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

# From scratch, 10x the fine-tuning lr (our choice, not tuned).
optim_wrapper = dict(optimizer=dict(lr=1e-3))
