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

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=1, save_best='f1', rule='greater', max_keep_ckpts=3))
