# Real proxy: the CPU recipe. The low-res recognizer (the KD student's plain twin),
# from scratch on the tiny CCTV clips: a 3D ResNet-18 (16 base channels) on 16 uniform
# segments of 32 px, each the segment's frame and its motion energy (SegmentMotion), 80
# epochs. Chosen by cross-validation inside train
# (benchmarks/proxy_selection.py), shipped as measured by benchmarks/proxy_surveillance.py.
_base_ = [
    '../_base_/models/tiny_surveillance_r3d18.py',
    '../_base_/datasets/tiny_surveillance_lr.py',
    '../_base_/schedules/tiny_surveillance_adamw_80e.py', '../_base_/default_runtime.py'
]
# a checkpoint every quarter of the schedule (the ensemble members), none chosen on val
default_hooks = dict(checkpoint=dict(interval=20, save_best=None, max_keep_ckpts=4))
