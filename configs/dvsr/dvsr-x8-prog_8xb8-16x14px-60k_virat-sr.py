# TinyVIRAT method, stage 1, "Progressive DVSR" (Table V row 3): as the end-to-end config but
# grown x2 (4 frames of 28x28) -> x4 (8 of 56x56) -> x8 (16 of 112x112), one step every 20k
# iterations, each new encoder block / decoder stage faded in by +5e-3 per iteration (the
# paper's). `--resume` in the middle of a transition continues with the same step and alpha.
_base_ = ['./dvsr-x8-e2e_8xb8-16x14px-60k_virat-sr.py']

model = dict(generator=dict(start_step=1))
custom_hooks = [dict(type='ProgressiveGrowthHook', grow_at=[20000, 40000], alpha_step=5e-3)]
# blocks of later steps are unused until they are added
model_wrapper_cfg = dict(find_unused_parameters=True)
