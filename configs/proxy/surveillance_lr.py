# Real proxy experiment: the demo's small recognizer on tiny_surveillance low-res clips (student baseline).
_base_ = [
    '../_base_/models/r3d_tiny.py', '../_base_/datasets/tiny_surveillance_lr.py',
    '../_base_/schedules/adamw_cosine_12e_demo.py', '../_base_/default_runtime.py'
]
model = dict(cls_head=dict(num_classes=2))
