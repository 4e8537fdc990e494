"""Re-estimate the BatchNorm statistics on the clips being tested before
scoring them (test-time BN adaptation, AdaBN: Li et al., "Revisiting Batch
Normalization For Practical Domain Adaptation", 2016)."""
from typing import Dict, List

import torch
from mmaction.registry import HOOKS
from mmengine.dataset import DefaultSampler
from mmengine.dist import all_reduce, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader


def batch_norms(model: torch.nn.Module) -> List[torch.nn.Module]:
    """The model's normalisation layers that keep running statistics and
    normalise with them in eval mode: BatchNorm of any dimension,
    ``SyncBatchNorm``, mmengine's ``_BatchNormXd`` (what
    ``revert_sync_batchnorm`` makes of SyncBatchNorm off a process group)
    and InstanceNorm with ``track_running_stats``: every module with
    ``track_running_stats``, ``running_mean`` / ``running_var`` buffers and
    ``reset_running_stats`` (the public interface they share)."""
    return [
        m for m in model.modules()
        if getattr(m, 'track_running_stats', False)
        and getattr(m, 'running_mean', None) is not None
        and getattr(m, 'running_var', None) is not None
        and callable(getattr(m, 'reset_running_stats', None))
    ]


def shuffled_loader(loader: DataLoader, seed: int = 0) -> DataLoader:
    """``loader``'s dataset, batch size, collate function and workers, the
    clips drawn in a seeded random order, each rank its share of them
    (mmengine's ``DefaultSampler``: under several ranks a few clips are
    drawn twice so that every rank has as many), and the last, partial
    batch dropped when there is more than one batch (a batch of one clip
    would count as much as a full one in the equal-weight mean of
    :func:`adapt_batch_norms`, with its within-clip variance alone).

    A test loader yields the clips in annotation order, so a batch holds
    consecutive clips of one or two source videos; training took its batch
    statistics from shuffled batches, and the adaptation must take them from
    batches mixed the same way.
    """
    sampler = DefaultSampler(loader.dataset, shuffle=True, seed=seed)
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size,
        sampler=sampler,
        collate_fn=loader.collate_fn,
        num_workers=loader.num_workers,
        drop_last=len(sampler) > loader.batch_size)


@torch.no_grad()
def adapt_batch_norms(model: torch.nn.Module, dataloader,
                      show_progress: bool = True) -> Dict[str, int]:
    """Replace the running mean and variance of every normalisation layer
    of ``model`` (:func:`batch_norms`) that its test forward reaches by the
    statistics of the batches of ``dataloader``.

    The statistics are accumulated over all batches with equal weight per
    batch (``momentum=None``), through ``model.test_step`` (the data
    preprocessor and the ``predict`` forward the test loop runs, heads
    included), each batch normalised with its own statistics as in
    training (so batches should be shuffled and of the training batch size,
    see :func:`shuffled_loader`); every other layer stays in eval mode
    (dropout off) and no weight changes. A layer the forward does not reach
    (e.g. the frozen teacher of a distillation recognizer) keeps its
    statistics. Under distributed testing each rank sees its share of the
    clips and the ranks' statistics are averaged. The model is left in eval
    mode with its layers' momenta restored.

    Args:
        model (torch.nn.Module): An mmaction2 recognizer (not wrapped).
        dataloader: Yields data batches as the test loop's dataloader does.
        show_progress (bool): Show a progress bar (rank 0).

    Returns:
        dict: ``batches`` the statistics were taken from, ``adapted``
        layers, ``kept`` layers the forward did not reach.

    Raises:
        ValueError: When the dataloader yields no batch.
    """
    norms = batch_norms(model)
    saved = [{k: v.clone() for k, v in m.state_dict().items()}
             for m in norms]
    model.eval()
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    bar = ProgressBar(len(dataloader)) if show_progress else None
    batches = 0
    try:
        for data_batch in dataloader:
            model.test_step(data_batch)
            batches += 1
            if bar is not None:
                bar.update()
    finally:
        reached = []
        for m, momentum, state in zip(norms, momenta, saved):
            m.momentum = momentum
            m.eval()
            if batches and int(m.num_batches_tracked) > 0:
                reached.append(m)
            else:  # not reached, or nothing ran: as it was
                m.load_state_dict(state)
    if batches == 0:
        raise ValueError('test-time BN adaptation: the test dataloader '
                         'yielded no batch to take statistics from')
    if get_world_size() > 1:
        for m in reached:
            for stat in (m.running_mean, m.running_var):
                all_reduce(stat, op='mean')
    return dict(batches=batches, adapted=len(reached),
                kept=len(norms) - len(reached))


@HOOKS.register_module()
class TestTimeBNHook(Hook):
    """Before the test epoch (``tools/test.py``), re-estimate the BatchNorm
    statistics of the loaded model on the test clips themselves, then score
    them with those statistics (:func:`adapt_batch_norms`).

    A recognizer trained on some cameras normalises a new camera's features
    with the training cameras' statistics; taking them from the clips under
    test instead (their inputs only, never a label) adapts the
    normalisation to the new cameras. It needs a test set of more than a
    few clips from the same cameras; one clip on its own gives degenerate
    statistics. The checkpoint on disk is not changed. Validation during
    training is left alone unless ``on_val=True`` (the adapted statistics
    would otherwise carry on into training: with ``on_val`` they are
    restored after the validation epoch; not with mmengine's ``EMAHook``
    and ``update_buffers=True``, which swaps the buffers around validation
    at a higher priority than this hook's). The statistics are taken from
    batches of the test loader's size, which should be the training batch
    size (it is in the shipped configs): a batch's variance depends on how
    many clips it mixes.

    Args:
        on_val (bool): Also adapt before each validation epoch and restore
            the training statistics after it. Defaults to False.
        seed (int): Seed of the order the clips are drawn in for the
            statistics (:func:`shuffled_loader`). Defaults to 0.
    """

    priority = 'LOW'

    def __init__(self, on_val: bool = False, seed: int = 0) -> None:
        self.on_val = on_val
        self.seed = seed
        self._saved = None

    def _model(self, runner):
        return runner.model.module if is_model_wrapper(
            runner.model) else runner.model

    def _adapt(self, runner, dataloader) -> None:
        model = self._model(runner)
        norms = batch_norms(model)
        if not norms:
            runner.logger.warning('TestTimeBNHook: the model has no '
                                  'BatchNorm layer; nothing to adapt')
            return
        done = adapt_batch_norms(
            model, shuffled_loader(dataloader, self.seed),
            show_progress=is_main_process())
        runner.logger.info(
            f"TestTimeBNHook: BatchNorm statistics of {done['adapted']} "
            f"layers re-estimated on {done['batches']} batches of the clips "
            'under test' + (f"; {done['kept']} layers the test forward does "
                            'not reach kept theirs' if done['kept'] else ''))

    def before_test_epoch(self, runner) -> None:
        self._adapt(runner, runner.test_dataloader)

    def before_val_epoch(self, runner) -> None:
        if not self.on_val:
            return
        self._saved = [{k: v.clone() for k, v in m.state_dict().items()}
                       for m in batch_norms(self._model(runner))]
        self._adapt(runner, runner.val_dataloader)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self._saved is None:
            return
        for m, state in zip(batch_norms(self._model(runner)), self._saved):
            m.load_state_dict(state)
        self._saved = None
