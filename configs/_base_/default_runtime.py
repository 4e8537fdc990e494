# Runtime shared by every tiny-action config. Inherits mmaction2's own default runtime.
_base_ = 'mmaction::_base_/default_runtime.py'

# Registers tiny_action's datasets, transforms, models, metrics, runner and wrappers
# (importing it also applies the compatibility fixes of tiny_action/compat.py).
custom_imports = dict(imports=['tiny_action'], allow_failed_imports=False)

# Same as mmengine's Runner on CUDA; on a CPU-only machine a `--launcher pytorch` run
# (tools/dist_train.sh) uses gloo instead of failing in torch.cuda.set_device.
runner_type = 'TinyActionRunner'
# DDP that drops `device_ids` for CPU modules (gloo); unchanged on GPU.
model_wrapper_cfg = dict(type='mmaction.DeviceAgnosticDDP')  # scoped: mmengine's runner looks it up in its root registry
env_cfg = dict(dist_cfg=dict(backend='nccl'))  # nccl on GPU; gloo chosen without CUDA

# Every epoch is kept for checkpoint ensembles (paper section 4: "models trained at the
# middle epochs"; test_checkpoints.py --epochs middle:K picks among the second half of
# them). SlimCheckpointHook drops the resume-only state (AdamW moments, schedulers) from
# each checkpoint once a newer one exists. Disk per 30-epoch run (29 slim + 1 full + best,
# benchmarks/checkpoint_disk.py): ir-CSN-152 3.6 GiB, UniFormer-B 6.1 GiB, R(2+1)D-34
# 7.8 GiB (whole checkpoints: 9.9 / 16.8 / 21.6 GiB). README "Checkpoints and disk".
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(type='SlimCheckpointHook', interval=1, save_best='f1', rule='greater',
                    max_keep_ckpts=-1))
