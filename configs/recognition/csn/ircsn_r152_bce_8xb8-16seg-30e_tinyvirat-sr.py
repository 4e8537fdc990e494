# ir-CSN (SR), paper section 3 / Table 2: ir-CSN-ResNet152 trained on the super-resolved
# TinyVIRAT-v2 clips (tools/data/super_resolve.py -> videos_sr/, 224 px); the teacher of the
# dual-resolution distillation (ircsn_r152_bce-kd_...). Same recipe as the LR config.
_base_ = [
    '../../_base_/models/csn_r152.py', '../../_base_/datasets/tinyvirat_sr.py',
    '../../_base_/schedules/adamw_warmup_cosine_restarts.py', '../../_base_/default_runtime.py'
]

optim_wrapper = dict(optimizer=dict(lr=1e-4))  # the paper's ir-CSN lr
# Kinetics-400 init as in the LR config; from scratch: `--cfg-options load_from=None`.
load_from = ('https://download.openmmlab.com/mmaction/v1.0/recognition/csn/'
             'ircsn_ig65m-pretrained-r152_8xb12-32x2x1-58e_kinetics400-rgb/'
             'ircsn_ig65m-pretrained-r152_8xb12-32x2x1-58e_kinetics400-rgb_20220811-c7a3cc5b.pth')
