"""Re-estimate the BatchNorm statistics on the clips being tested before
scoring them (test-time BN adaptation, AdaBN: Li et al., "Revisiting Batch
Normalization For Practical Domain Adaptation", 2016)."""
from typing import List

import torch
from mmaction.registry import HOOKS
from mmengine.dataset import DefaultSampler
from mmengine.dist import all_reduce, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.utils import ProgressBar
from torch.utils.data import DataLoader


#: the public BatchNorm layer types (SyncBatchNorm included).
BATCH_NORMS = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d,
               torch.nn.BatchNorm3d, torch.nn.SyncBatchNorm)


def batch_norms(model: torch.nn.Module) -> List[torch.nn.Module]:
    """The model's BatchNorm layers that keep running statistics."""
    return [
        m for m in model.modules()
        if isinstance(m, BATCH_NORMS) and m.track_running_stats
    ]


def shuffled_loader(loader: DataLoader, seed: int = 0) -> DataLoader:
    """``loader``'s dataset, batch size, collate function and workers, the
    clips drawn in a seeded random order (each rank its share of them).

    A test loader yields the clips in annotation order, so a batch holds
    consecutive clips of one or two source videos; training took its batch
    statistics from shuffled batches, and the adaptation must take them from
    batches mixed the same way.
    """
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size,
        sampler=DefaultSampler(loader.dataset, shuffle=True, seed=seed),
        collate_fn=loader.collate_fn,
        num_workers=loader.num_workers)


@torch.no_grad()
def adapt_batch_norms(model: torch.nn.Module, dataloader,
                      show_progress: bool = True) -> int:
    """Replace the running mean and variance of every BatchNorm layer of
    ``model`` by the statistics of the batches of ``dataloader``.

    The statistics are accumulated over all batches with equal weight per
    batch (``momentum=None``), through the model's data preprocessor and its
    ``mode='tensor'`` forward, each batch normalised with its own
    statistics as in training (so batches should be shuffled, see
    :func:`shuffled_loader`); every other layer stays in eval mode (dropout
    off), no weight changes and nothing is returned from the forward. Under
    distributed testing each rank sees its share of the clips and the
    ranks' statistics are averaged. The model is left in eval mode with its
    layers' momenta restored.

    Args:
        model (torch.nn.Module): An mmaction2 recognizer (not wrapped).
        dataloader: Yields data batches as the test loop's dataloader does.
        show_progress (bool): Show a progress bar (rank 0).

    Returns:
        int: The number of batches the statistics were taken from.

    Raises:
        ValueError: When the dataloader yields no batch.
    """
    norms = batch_norms(model)
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
            data = model.data_preprocessor(data_batch, training=False)
            model(**data, mode='tensor')
            batches += 1
            if bar is not None:
                bar.update()
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
            m.eval()
    if batches == 0:
        raise ValueError('test-time BN adaptation: the test dataloader '
                         'yielded no batch to take statistics from')
    if get_world_size() > 1:
        for m in norms:
            for stat in (m.running_mean, m.running_var):
                all_reduce(stat, op='mean')
    return batches


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
    restored after the validation epoch).

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
        batches = adapt_batch_norms(
            model, shuffled_loader(dataloader, self.seed),
            show_progress=is_main_process())
        runner.logger.info(f'TestTimeBNHook: BatchNorm statistics of '
                           f'{len(norms)} layers re-estimated on '
                           f'{batches} batches of the clips under test')

    def before_test_epoch(self, runner) -> None:
        self._adapt(runner, runner.test_dataloader)

    def before_val_epoch(self, runner) -> None:
        if not self.on_val:
            return
        self._saved = [(m.running_mean.clone(), m.running_var.clone(),
                        m.num_batches_tracked.clone())
                       for m in batch_norms(self._model(runner))]
        self._adapt(runner, runner.val_dataloader)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self._saved is None:
            return
        for m, (mean, var, count) in zip(
                batch_norms(self._model(runner)), self._saved):
            m.running_mean.copy_(mean)
            m.running_var.copy_(var)
            m.num_batches_tracked.copy_(count)
        self._saved = None
