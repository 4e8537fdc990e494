# Demo main job, step 1: the low-res recognizer on the embedded demo dataset.
_base_ = [
    '../_base_/models/r3d_tiny.py', '../_base_/datasets/demo_lr.py',
    '../_base_/schedules/adamw_cosine_12e_demo.py', '../_base_/default_runtime.py'
]
