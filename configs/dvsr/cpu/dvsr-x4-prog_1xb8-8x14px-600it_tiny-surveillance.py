# CPU-sized stage 1 "Progressive DVSR": as the end-to-end config, grown x2 (4 frames of 28x28)
# -> x4 (8 of 56x56) at iteration 300, the new blocks faded in by +5e-3 per iteration.
_base_ = ['./dvsr-x4-e2e_1xb8-8x14px-600it_tiny-surveillance.py']

model = dict(generator=dict(start_step=1))
custom_hooks = [dict(type='ProgressiveGrowthHook', grow_at=[300], alpha_step=5e-3)]
model_wrapper_cfg = dict(find_unused_parameters=True)
