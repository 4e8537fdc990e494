"""A Runner that starts distributed runs on CPU-only machines too."""
from mmaction.registry import RUNNERS
from mmengine.dist import get_backend
from mmengine.logging import print_log
from mmengine.runner import Runner

from ...compat import init_dist_without_cuda


@RUNNERS.register_module()
class TinyActionRunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner`, device-generic.

    On a machine with CUDA it behaves exactly like the stock runner. Without
    CUDA, a ``--launcher pytorch`` run initialises a gloo process group
    itself (mmengine 0.10.7 would call ``torch.cuda.set_device``; see
    :func:`tiny_action.compat.init_dist_without_cuda`). Selected by
    ``runner_type = 'TinyActionRunner'`` in ``configs/_base_/
    default_runtime.py``; the stock ``tools/train.py`` and ``tools/test.py``
    build it through ``RUNNERS``.
    """

    def setup_env(self, env_cfg: dict) -> None:
        if self.distributed and init_dist_without_cuda(
                self.launcher, dict(env_cfg.get('dist_cfg', {}))):
            print_log(
                'no CUDA device: initialised the process group with the '
                f'{get_backend()} backend', logger='current')
        super().setup_env(env_cfg)
