# Real proxy: dual-resolution distillation with the KDHead's soft-target BCE option
# (kd_loss='bce') instead of the paper's MSE on probabilities, whose gradient is much
# weaker than the label term's (benchmarks/proxy_surveillance.py measures both).
_base_ = ['./surveillance_kd.py']

model = dict(student_overrides=dict(cls_head=dict(kd_loss='bce')))
