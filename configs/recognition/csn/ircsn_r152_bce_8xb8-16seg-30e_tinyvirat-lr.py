# ir-CSN-ResNet152 on TinyVIRAT-v2 low-res clips, the paper's setting (sections 2 and 5):
# Kinetics-400 init, 16 uniform segments at 112 px, data balance by flipping tail-class
# videos (TailFlipBalance), BCE, dropout 0.5, AdamW lr 1e-4 with warmup and cosine warm
# restarts, 30 epochs, 8 GPUs x 8 clips.
_base_ = [
    '../../_base_/models/csn_r152.py', '../../_base_/datasets/tinyvirat_lr.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

optim_wrapper = dict(optimizer=dict(lr=1e-4))  # the paper's ir-CSN lr

# mmaction2's ir-CSN-152 checkpoint (IG65M-pretrained, fine-tuned on Kinetics-400, 82.87%
# top-1; configs/recognition/csn/metafile.yml). The runner loads it non-strictly before
# training: its 400-class fc_cls does not fit the 26-class head and is skipped (a
# "size mismatch" warning), the head starts from scratch.
# From scratch: `--cfg-options load_from=None`.
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/csn/'
             'ircsn_ig65m-pretrained-r152_8xb12-32x2x1-58e_kinetics400-rgb/'
             'ircsn_ig65m-pretrained-r152_8xb12-32x2x1-58e_kinetics400-rgb_20220811-c7a3cc5b.pth')
