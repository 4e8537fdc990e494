"""DeviceAgnosticDDP: a CPU module is wrapped without ``device_ids`` (plain
DDP rejects them), trains and predicts like the module; any other module
gets the arguments unchanged."""
import pytest
import torch
import torch.distributed as dist
from mmaction.registry import MODELS
from mmengine.model import MMDistributedDataParallel, is_model_wrapper
from mmengine.optim import OptimWrapper

from tiny_action.engine import DeviceAgnosticDDP
from tiny_action.testing import (kd_batch, single_rank_launch,
                                 tiny_recognizer_cfg)


def test_cpu_module_drops_device_ids_and_trains():
    torch.manual_seed(0)
    model = MODELS.build(tiny_recognizer_cfg(3))
    data = kd_batch(2, 3)
    with single_rank_launch():
        dist.init_process_group('gloo')
        # the problem: mmengine's runner passes device_ids=[LOCAL_RANK]
        with pytest.raises(ValueError, match='device_ids'):
            MMDistributedDataParallel(module=model, device_ids=[0])
        ddp = DeviceAgnosticDDP(model, device_ids=[0], output_device=0)
        assert is_model_wrapper(ddp) and ddp.module is model
        assert ddp.device_ids is None
        ddp.eval()
        wrapped = ddp.test_step(data)
        plain = model.test_step(data)
        for a, b in zip(wrapped, plain):
            assert torch.equal(a.pred_score, b.pred_score)
        ddp.train()
        optim = OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=0.01))
        before = model.cls_head.fc_cls.weight.detach().clone()
        losses = ddp.train_step(data, optim)
        assert torch.isfinite(losses['loss'])
        assert not torch.equal(model.cls_head.fc_cls.weight, before)


def test_other_devices_pass_arguments_unchanged(monkeypatch):
    seen = {}

    def record(self, module, **kwargs):
        seen.update(kwargs)

    monkeypatch.setattr(MMDistributedDataParallel, '__init__', record)
    on_meta = torch.nn.Linear(2, 2, device='meta')  # stands for a GPU module
    DeviceAgnosticDDP(on_meta, device_ids=[1], output_device=1)
    assert seen == dict(device_ids=[1], output_device=1,
                        broadcast_buffers=False)
    seen.clear()
    DeviceAgnosticDDP(torch.nn.Linear(2, 2), device_ids=[1],
                      output_device=1, find_unused_parameters=True)
    assert seen == dict(device_ids=None, broadcast_buffers=False,
                        find_unused_parameters=True)
