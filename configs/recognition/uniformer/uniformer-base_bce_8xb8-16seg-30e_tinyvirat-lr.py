# UniFormer-Base on TinyVIRAT-v2 low-res clips, the paper's setting (sections 2 and 5):
# Kinetics-400 init, 16 uniform segments at 112 px, data balance by flipping tail-class
# videos (TailFlipBalance), BCE, drop-path 0.4 (in the model base), AdamW lr 2e-4 with
# warmup and cosine warm restarts, 30 epochs, 8 GPUs x 8 clips.
_base_ = [
    '../../_base_/models/uniformer_base.py', '../../_base_/datasets/tinyvirat_lr.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

optim_wrapper = dict(optimizer=dict(lr=2e-4))  # the paper's UniFormer lr

# mmaction2's UniFormer-B checkpoint (ImageNet-1K then Kinetics-400, 16x4x1, 82.0% top-1;
# configs/recognition/uniformer/metafile.yml, converted from Sense-X/UniFormer). Loaded
# non-strictly before training: the 400-class fc_cls is skipped (a "size mismatch"
# warning), the head starts from scratch. From scratch: `--cfg-options load_from=None`.
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/uniformerv1/'
             'uniformer-base_imagenet1k-pre_16x4x1_kinetics400-rgb_20221219-157c2e66.pth')
