"""The progressive-growth schedule of DVSR (TinyVIRAT, section IV-A-2 and
V-B)."""
from typing import Optional, Sequence, Tuple

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

__all__ = ['ProgressiveGrowthHook', 'growth_state']

DATA_BATCH = Optional[dict]


def growth_state(iteration: int, grow_at: Sequence[int],
                 alpha_step: float) -> Tuple[int, float]:
    """``(step, alpha)`` of the iteration ``iteration`` (0-based).

    Step 1 runs until ``grow_at[0]``; from iteration ``grow_at[k]`` the
    network is at step ``k + 2`` and its new blocks fade in with
    ``alpha = min(1, (iteration - grow_at[k]) * alpha_step)``: 0 at the
    growth, ``+alpha_step`` per iteration.
    """
    done = [g for g in grow_at if g <= iteration]
    if not done:
        return 1, 1.0
    return 1 + len(done), min(1.0, (iteration - done[-1]) * alpha_step)


@HOOKS.register_module()
class ProgressiveGrowthHook(Hook):
    """Grow the ``generator`` (a ``DVSR``) of the trained model: one step
    (an encoder block and a decoder stage, x2) at each iteration of
    ``grow_at``, then fade it in by ``alpha_step`` per iteration.

    The state is a function of the iteration (:func:`growth_state`), set on
    the generator before every training iteration, so a run resumed with
    ``--resume`` in the middle of a transition continues with the same step
    and alpha; the generator's ``step`` / ``alpha`` buffers are also saved in
    every checkpoint, so a checkpoint alone (test, ``generator_ckpt``,
    ``tools/data/super_resolve.py``) knows its growth state.

    Args:
        grow_at (Sequence[int]): Iterations at which a step is added, one per
            growth after the first step, i.e. ``log2(scale) - 1`` increasing
            positive ints (e.g. ``[20000, 40000]`` for x8).
        alpha_step (float): Fade-in increment per iteration. Defaults to
            5e-3 (the paper's: 200 iterations per transition).

    Raises:
        ValueError: ``grow_at`` is not increasing positive ints, or (before
            training) its length does not reach the generator's scale.
    """

    priority = 'VERY_HIGH'

    def __init__(self, grow_at: Sequence[int], alpha_step: float = 5e-3):
        grow_at = list(grow_at)
        if any(not isinstance(g, int) or isinstance(g, bool) or g < 1
               for g in grow_at) or grow_at != sorted(set(grow_at)):
            raise ValueError('`grow_at` should be strictly increasing '
                             f'positive iterations, but got {grow_at}')
        if not 0 < alpha_step <= 1:
            raise ValueError('`alpha_step` should be in (0, 1], but got '
                             f'{alpha_step!r}')
        self.grow_at = grow_at
        self.alpha_step = float(alpha_step)

    @staticmethod
    def generator_of(runner):
        """The ``generator`` of the (unwrapped) model."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        generator = getattr(model, 'generator', None)
        if generator is None or not hasattr(generator, 'set_progress'):
            raise TypeError('ProgressiveGrowthHook needs a model with a '
                            'growable `generator` (DVSR), got '
                            f'{type(model).__name__}')
        return generator

    def before_train(self, runner) -> None:
        """Check the schedule against the generator; set the state of the
        first (or resumed) iteration."""
        gen = self.generator_of(runner)
        needed = gen.num_steps - 1
        if len(self.grow_at) != needed:
            scales = ', '.join(f'x{2**k}' for k in range(1, gen.num_steps + 1))
            raise ValueError(
                f'DVSR x{gen.scale} grows in {gen.num_steps} steps ({scales}):'
                f' `grow_at` should list {needed} iteration(s), one per step '
                f'after the first, but got {self.grow_at}; x{gen.scale} is '
                'not reachable by this schedule')
        max_iters = getattr(runner, 'max_iters', None)
        if max_iters is not None and self.grow_at and \
                self.grow_at[-1] >= max_iters:
            runner.logger.warning(
                f'ProgressiveGrowthHook: the last growth (iteration '
                f'{self.grow_at[-1]}) is not before the end of training '
                f'({max_iters} iterations); the network will not be complete')
        self._apply(runner, runner.iter)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Set the step and alpha of this iteration."""
        self._apply(runner, runner.iter)

    def _apply(self, runner, iteration: int) -> None:
        gen = self.generator_of(runner)
        step, alpha = growth_state(iteration, self.grow_at, self.alpha_step)
        if step != gen.current_step:
            runner.logger.info(
                f'ProgressiveGrowthHook: iteration {iteration}: DVSR grows '
                f'to step {step} (x{2**step}), fading in by '
                f'{self.alpha_step} per iteration')
        gen.set_progress(step, alpha)
