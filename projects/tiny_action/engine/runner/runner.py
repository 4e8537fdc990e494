"""A Runner that starts distributed runs on CPU-only machines too, and
checks a test run's checkpoint and outputs before inference."""
from typing import List

from mmaction.registry import RUNNERS
from mmengine.dist import get_backend
from mmengine.evaluator import DumpResults, Evaluator
from mmengine.logging import print_log
from mmengine.runner import Runner

from ...compat import destroy_process_group_at_exit, init_dist_without_cuda
from ...utils.fileio import check_writable_file
from ..hooks import CheckpointCheckHook


def dump_paths(evaluator) -> List[str]:
    """``out_file_path`` of every ``DumpResults`` metric of a test
    evaluator, given as config (dict or list of dicts) or built."""
    if isinstance(evaluator, Evaluator):
        return [m.out_file_path for m in evaluator.metrics
                if isinstance(m, DumpResults)]
    metrics = evaluator if isinstance(evaluator, (list, tuple)) else [
        evaluator
    ]
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        metrics = evaluator['metrics']  # dict(type='Evaluator', metrics=...)
        metrics = metrics if isinstance(metrics, (list, tuple)) else [metrics]
    return [
        m['out_file_path'] for m in metrics if isinstance(m, dict)
        and str(m.get('type', '')).split('.')[-1] == 'DumpResults'
    ]


@RUNNERS.register_module()
class TinyActionRunner(Runner):
    """mmengine's :class:`~mmengine.runner.Runner`, device-generic, with a
    careful :meth:`test`.

    On a machine with CUDA it trains exactly like the stock runner. Without
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
        destroy_process_group_at_exit()

    def test(self) -> dict:
        """mmengine's ``test``, after two checks that fail before any
        inference:

        * every dump file (``tools/test.py --dump``) can be written: it is
          not an existing folder and its folder accepts a new file
          (:func:`tiny_action.utils.fileio.check_writable_file`);
        * the checkpoint (``load_from``) fits the model and was trained on
          the test dataset's classes in the same order
          (:class:`~tiny_action.engine.hooks.CheckpointCheckHook`), instead
          of mmengine's lenient load that leaves a mismatched head random.
        """
        for path in dump_paths(self._test_evaluator):
            check_writable_file(path, 'dump file (--dump)')
        if self._test_loop is not None and self._load_from is not None:
            self._test_loop = self.build_test_loop(self._test_loop)
            classes = self.test_dataloader.dataset.metainfo.get('classes')
            self.register_hook(
                CheckpointCheckHook(self._load_from, classes))
        return super().test()
