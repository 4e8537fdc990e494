"""Keep every epoch's checkpoint for checkpoint ensembles, at the size of
its weights."""
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmengine.runner import CheckpointLoader, save_checkpoint

from ...utils.fileio import atomic_path

__all__ = ['SlimCheckpointHook', 'slim_checkpoint']

#: checkpoint entries that only resuming a run needs
RESUME_KEYS = ('optimizer', 'param_schedulers', 'message_hub')


def slim_checkpoint(path: str,
                    drop_keys: Sequence[str] = RESUME_KEYS) -> Tuple[int, int]:
    """Rewrite the checkpoint ``path`` without ``drop_keys``, atomically.

    What stays (``state_dict``, ``meta`` with the epoch and the dataset's
    classes, any other entry) is all ``tools/test.py`` and ``load_from``
    read. A checkpoint without any of ``drop_keys`` is left untouched.

    Args:
        path (str): A local ``.pth`` checkpoint written by mmengine.
        drop_keys (Sequence[str]): Top-level entries to remove. Defaults to
            :data:`RESUME_KEYS`.

    Returns:
        tuple[int, int]: File size in bytes before and after.
    """
    before = osp.getsize(path)
    checkpoint: Dict = CheckpointLoader.load_checkpoint(
        path, map_location='cpu')
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise ValueError(f'{path} is not an mmengine checkpoint (no '
                         '"state_dict" entry); refusing to rewrite it')
    dropped = [k for k in drop_keys if k in checkpoint]
    if not dropped:
        return before, before
    for key in dropped:
        del checkpoint[key]
    with atomic_path(path, suffix='.pth') as tmp:
        save_checkpoint(checkpoint, tmp)
    return before, osp.getsize(path)


@HOOKS.register_module()
class SlimCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` that keeps every epoch for checkpoint
    ensembles at a third of the disk.

    The paper's ensemble (section 4, Table 3) takes several checkpoints of
    one run ("models trained at the middle epochs"), e.g.
    ``tools/analysis_tools/test_checkpoints.py --epochs middle:4``, which
    picks among the second half of the run's ``epoch_<N>.pth`` files; so
    a run keeps all of them (``max_keep_ckpts=-1``, the default). Only the
    latest checkpoint needs what resuming reads (optimizer state, parameter
    schedulers, message hub), about two thirds of an AdamW checkpoint: once
    a newer checkpoint is written, the previous one is rewritten without
    ``resume_keys`` (atomically, on the main process). Every epoch stays
    testable and usable as ``load_from``; ``--resume`` continues from the
    latest one as before. The best checkpoint (``save_best``) is written
    without optimizer state by mmengine already.

    Args:
        resume_keys (Sequence[str]): Entries dropped from superseded
            checkpoints; ``()`` keeps them whole. Defaults to
            ``('optimizer', 'param_schedulers', 'message_hub')``.
        **kwargs: :class:`mmengine.hooks.CheckpointHook` arguments
            (``interval``, ``save_best``, ``max_keep_ckpts`` ...).
    """

    def __init__(self,
                 resume_keys: Sequence[str] = RESUME_KEYS,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(resume_keys, str) or not all(
                isinstance(k, str) for k in resume_keys):
            raise ValueError('`resume_keys` should be a sequence of '
                             f'checkpoint entry names, but got {resume_keys!r}')
        if 'state_dict' in resume_keys or 'meta' in resume_keys:
            raise ValueError('`resume_keys` cannot drop "state_dict" or '
                             '"meta": the slimmed checkpoints must stay '
                             'testable')
        self.resume_keys = tuple(resume_keys)

    def before_train(self, runner) -> None:
        """Resolve the output folder (stock), then check it is local."""
        super().before_train(runner)
        if self.resume_keys and not isinstance(self.file_backend,
                                               LocalBackend):
            raise ValueError(
                f'SlimCheckpointHook rewrites checkpoints on a local disk, '
                f'but out_dir {self.out_dir} uses '
                f'{type(self.file_backend).__name__}; set '
                '`default_hooks.checkpoint.resume_keys=()` to keep whole '
                'checkpoints there')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        """Save as the stock hook (``by_epoch=False``), then slim the
        superseded checkpoint."""
        previous = self._latest(runner)
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
        self._slim_superseded(previous)

    def after_train_epoch(self, runner) -> None:
        """Save as the stock hook, then slim the superseded checkpoint."""
        previous = self._latest(runner)
        super().after_train_epoch(runner)
        self._slim_superseded(previous)

    def after_val_epoch(self, runner, metrics) -> None:
        """Save the best checkpoint as the stock hook (which may write the
        current step's checkpoint again), then slim a superseded one."""
        previous = self._latest(runner)
        super().after_val_epoch(runner, metrics)
        self._slim_superseded(previous)

    def _latest(self, runner) -> Optional[str]:
        # after --resume the hook is new: the resumed run's message hub
        # still knows the checkpoint it came from
        return self.last_ckpt or runner.message_hub.get_info('last_ckpt')

    def _slim_superseded(self, previous: Optional[str]) -> None:
        # only once this call wrote a newer checkpoint than ``previous``
        if not (self.resume_keys and previous and self.last_ckpt
                and previous != self.last_ckpt and is_main_process()
                and osp.isfile(previous)):
            return
        before, after = slim_checkpoint(previous, self.resume_keys)
        if after != before:
            print_log(
                f'{osp.basename(previous)} is superseded by '
                f'{osp.basename(self.last_ckpt)}: kept without '
                f'{list(self.resume_keys)} ({before / 2**20:.1f} MiB -> '
                f'{after / 2**20:.1f} MiB)', logger='current')
