# UniFormer (SR), Table 3's "UniFormer(SR)": UniFormer-Base trained on the super-resolved
# TinyVIRAT-v2 clips (224 px). Same recipe as the LR config (lr 2e-4, drop-path 0.4).
_base_ = [
    '../../_base_/models/uniformer_base.py', '../../_base_/datasets/tinyvirat_sr.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

optim_wrapper = dict(optimizer=dict(lr=2e-4))
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv1/'
             'uniformer-base_imagenet1k-pre_16x4x1_kinetics400-rgb_20221219-157c2e66.pth')
