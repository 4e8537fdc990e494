# Real proxy: the teacher. The recipe's model (surveillance_lr.py) trained on the 112 px
# high-res twins (`hr/`, the stand-in for super-resolved clips) at 48 px.
_base_ = [
    '../_base_/models/tiny_surveillance_r3d18.py',
    '../_base_/datasets/tiny_surveillance_hr.py',
    '../_base_/schedules/tiny_surveillance_adamw_80e.py', '../_base_/default_runtime.py'
]
default_hooks = dict(checkpoint=dict(interval=20, save_best=None, max_keep_ckpts=4))
