"""DDP wrapper that works for CPU (gloo) and CUDA (nccl) modules alike."""
from typing import Optional, Sequence

from mmaction.registry import MODEL_WRAPPERS
from mmengine.model import MMDistributedDataParallel
from torch import nn


@MODEL_WRAPPERS.register_module()
class DeviceAgnosticDDP(MMDistributedDataParallel):
    """:class:`~mmengine.model.MMDistributedDataParallel` that drops
    ``device_ids`` for a module whose parameters live on the CPU.

    mmengine's runner always passes ``device_ids=[LOCAL_RANK]``, which
    ``DistributedDataParallel`` rejects for CPU modules ("device_ids can
    only be None or contain a single element" / "DistributedDataParallel
    device_ids and output_device arguments only work with single-device/
    multiple-device GPU modules"). On GPU the arguments pass unchanged.

    Args:
        module (nn.Module): The model to wrap.
        device_ids (Sequence[int], optional): As in DDP; ignored for CPU
            modules.
        broadcast_buffers (bool): As in DDP. Defaults to False, as
            mmengine's runner does without a ``model_wrapper_cfg``.
        **kwargs: Passed to :class:`MMDistributedDataParallel`.
    """

    def __init__(self,
                 module: nn.Module,
                 device_ids: Optional[Sequence[int]] = None,
                 broadcast_buffers: bool = False,
                 **kwargs) -> None:
        params = list(module.parameters())
        if not params or params[0].device.type == 'cpu':
            device_ids = None
            kwargs.pop('output_device', None)
        super().__init__(
            module=module,
            device_ids=device_ids,
            broadcast_buffers=broadcast_buffers,
            **kwargs)
