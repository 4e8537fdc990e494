# Real proxy experiment: the demo's small recognizer trained on tiny_surveillance high-res clips (the teacher).
_base_ = [
    '../_base_/models/r3d_tiny.py', '../_base_/datasets/tiny_surveillance_hr.py',
    '../_base_/schedules/adamw_cosine_12e_demo.py', '../_base_/default_runtime.py'
]
model = dict(cls_head=dict(num_classes=2))
