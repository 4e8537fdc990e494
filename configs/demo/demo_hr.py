# Demo main job, step 2: the "SR" teacher, the same recognizer trained on the demo's
# high-resolution twins (the stand-in for RealBasicVSR output; paper: "ir-CSN (SR)").
_base_ = [
    '../_base_/models/r3d_tiny.py', '../_base_/datasets/demo_hr.py',
    '../_base_/schedules/adamw_cosine_12e_demo.py', '../_base_/default_runtime.py'
]
