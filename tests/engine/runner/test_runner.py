"""TinyActionRunner: a ``--launcher pytorch`` run on a machine without CUDA
starts (gloo) and wraps the model with the configured wrapper; without a
launcher it is mmengine's runner."""
import pytest
import torch
import torch.distributed as dist
from mmaction.registry import MODELS
from mmengine.logging import MMLogger

from tiny_action.engine import DeviceAgnosticDDP, TinyActionRunner
from tiny_action.testing import single_rank_launch, tiny_recognizer_cfg

MESSAGE = 'no CUDA device: initialised the process group with the gloo'


def _runner(work_dir, **kwargs):
    return TinyActionRunner(
        model=MODELS.build(tiny_recognizer_cfg(3)), work_dir=str(work_dir),
        default_scope='mmaction', **kwargs)


def _current_log(tmp_path, name) -> str:
    """A current MMLogger writing to a file (the runner's own logger does
    not exist yet when the process group starts); returns the file."""
    path = tmp_path / f'{name}.log'
    MMLogger.get_instance(name, log_file=str(path))
    return path


@pytest.mark.skipif(torch.cuda.is_available(),
                    reason='with CUDA, mmengine starts the process group')
def test_cpu_distributed_run_starts_with_gloo(tmp_path):
    log = _current_log(tmp_path, 'test_runner_gloo')
    with single_rank_launch():
        runner = _runner(
            tmp_path, launcher='pytorch',
            env_cfg=dict(dist_cfg=dict(backend='nccl', timeout=60)),
            cfg=dict(model_wrapper_cfg=dict(
                type='mmaction.DeviceAgnosticDDP')))
        assert runner.distributed and dist.is_initialized()
        assert dist.get_backend() == 'gloo'
        assert (runner.rank, runner.world_size) == (0, 1)
        assert isinstance(runner.model, DeviceAgnosticDDP)
        assert MESSAGE in log.read_text()


def test_without_launcher_it_is_mmengines_runner(tmp_path):
    log = _current_log(tmp_path, 'test_runner_plain')
    runner = _runner(tmp_path / 'plain')
    assert not runner.distributed and not dist.is_initialized()
    assert not isinstance(runner.model, DeviceAgnosticDDP)
    assert MESSAGE not in log.read_text()
