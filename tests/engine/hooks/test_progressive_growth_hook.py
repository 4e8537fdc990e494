"""ProgressiveGrowthHook: the schedule, a run resumed in the middle of a
transition continues with the same step and alpha (mmengine's Runner and
``resume``), and schedules that cannot reach the scale are refused."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.runner import Runner, load_checkpoint

from tiny_action.engine.hooks import ProgressiveGrowthHook, growth_state


def test_growth_state():
    grow_at, step = [10, 20], 0.25
    assert growth_state(0, grow_at, step) == (1, 1.0)
    assert growth_state(9, grow_at, step) == (1, 1.0)
    assert growth_state(10, grow_at, step) == (2, 0.0)
    assert growth_state(12, grow_at, step) == (2, 0.5)
    assert growth_state(19, grow_at, step) == (2, 1.0)
    assert growth_state(20, grow_at, step) == (3, 0.0)
    assert growth_state(23, grow_at, step) == (3, 0.75)


class Recorder(Hook):
    """Records ``(iteration, step, alpha)`` seen by each training step."""

    priority = 'LOW'  # after ProgressiveGrowthHook (VERY_HIGH)

    def __init__(self):
        self.seen = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        gen = runner.model.generator
        self.seen.append((runner.iter, gen.current_step,
                          round(float(gen.alpha), 6)))


def _data(n=4):
    g = torch.Generator().manual_seed(0)
    items = []
    for _ in range(n):
        s = ActionDataSample()
        s.set_field(torch.randint(0, 256, (1, 3, 8, 16, 16), generator=g,
                                  dtype=torch.uint8), 'sr_inputs')
        items.append(dict(inputs=torch.randint(
            0, 256, (1, 3, 8, 4, 4), generator=g, dtype=torch.uint8),
            data_samples=s))
    return items


def _runner(work_dir, max_iters, grow_at=(3, ), resume=False, hooks=()):
    loader = torch.utils.data.DataLoader(
        _data(), batch_size=2, collate_fn=pseudo_collate, shuffle=False)
    model = dict(type='DVSRRecognizer', stage='sr',
                 generator=dict(type='DVSR', scale=4, in_frames=8,
                                mid_channels=4, growth_channels=2,
                                start_step=1))
    return Runner(
        model=model, work_dir=str(work_dir), train_dataloader=loader,
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=5, by_epoch=False),
                           logger=dict(type='LoggerHook', interval=100)),
        custom_hooks=[ProgressiveGrowthHook(grow_at=list(grow_at),
                                            alpha_step=0.25), *hooks],
        resume=resume, default_scope='mmaction',
        experiment_name=f'run{max_iters}{resume}')


def test_resume_mid_transition_keeps_step_and_alpha(tmp_path):
    full = Recorder()
    _runner(tmp_path / 'full', 8, hooks=[full]).train()
    assert full.seen == [(0, 1, 1.0), (1, 1, 1.0), (2, 1, 1.0), (3, 2, 0.0),
                         (4, 2, 0.25), (5, 2, 0.5), (6, 2, 0.75),
                         (7, 2, 1.0)]

    first = Recorder()
    _runner(tmp_path / 'cut', 5, hooks=[first]).train()  # stops at iter 5
    # the checkpoint alone holds the state of the last iteration run (4)
    model = MODELS.build(dict(
        type='DVSRRecognizer', stage='sr',
        generator=dict(type='DVSR', scale=4, in_frames=8, mid_channels=4,
                       growth_channels=2)))
    assert model.generator.current_step == 2  # built complete
    load_checkpoint(model, str(tmp_path / 'cut' / 'iter_5.pth'))
    assert model.generator.current_step == 2
    assert float(model.generator.alpha) == 0.25

    resumed = Recorder()
    runner = _runner(tmp_path / 'cut', 8, resume=True, hooks=[resumed])
    runner.train()
    assert first.seen + resumed.seen == full.seen
    assert runner.model.generator.current_step == 2
    assert float(runner.model.generator.alpha) == 1.0


@pytest.mark.parametrize('grow_at, match', [
    ([], r'grows in 2 steps \(x2, x4\): `grow_at` should list 1 iteration'),
    ([2, 4], 'x4 is not reachable by this schedule'),
])
def test_schedule_that_misses_the_scale(tmp_path, grow_at, match):
    with pytest.raises(ValueError, match=match):
        _runner(tmp_path, 4, grow_at=grow_at).train()


@pytest.mark.parametrize('kw, match', [
    (dict(grow_at=[5, 3]), 'strictly increasing'),
    (dict(grow_at=[0]), 'strictly increasing positive'),
    (dict(grow_at=[3], alpha_step=0), r'`alpha_step` should be in \(0, 1\]'),
])
def test_bad_hook_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        ProgressiveGrowthHook(**kw)
