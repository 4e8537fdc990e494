"""TestTimeBNHook / adapt_batch_norms: the BatchNorm statistics become the
test clips' (batch by batch, as training takes them), nothing else of the
model changes, the clips are drawn shuffled, and ``tools/test.py`` runs
with the hook from a config."""
import numpy as np
import pytest
import torch
from mmaction.registry import HOOKS, MODELS
from mmaction.structures import ActionDataSample
from conftest import run_tool, tiny_config

from tiny_action.engine import (TestTimeBNHook, adapt_batch_norms,
                                shuffled_loader)
from tiny_action.testing import tiny_recognizer_cfg
from tiny_action.tools.ensemble import load_dump


def _batches(num: int, size: int = 4, shift: float = 200.0, seed: int = 0):
    """Data batches as the test dataloader yields them: ``inputs`` a list of
    ``(1, 3, 4, 16, 16)`` clips far from the preprocessor's mean."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(num):
        inputs = [shift + 30 * torch.randn(1, 3, 4, 16, 16, generator=gen)
                  for _ in range(size)]
        out.append(dict(inputs=inputs,
                        data_samples=[ActionDataSample() for _ in inputs]))
    return out


def _model():
    torch.manual_seed(0)
    model = MODELS.build(tiny_recognizer_cfg(3))
    model.init_weights()
    return model.eval()


def _conv1_outputs(model, batches):
    """Per batch, the input of the first BatchNorm (conv1's output), which
    does not depend on any BatchNorm statistics."""
    outs = []
    handle = model.backbone.conv1.conv.register_forward_hook(
        lambda m, i, o: outs.append(o.detach().clone()))
    with torch.no_grad():
        for batch in batches:
            data = model.data_preprocessor(batch, training=False)
            model(**data, mode='tensor')
    handle.remove()
    return outs


def test_statistics_become_the_test_batches():
    model = _model()
    batches = _batches(5)
    outs = _conv1_outputs(model, batches)
    weights = {k: v.clone() for k, v in model.state_dict().items()
               if 'running' not in k and 'num_batches' not in k}
    bn = model.backbone.conv1.bn
    before = bn.running_mean.clone()
    done = adapt_batch_norms(model, batches, show_progress=False)
    assert done == dict(batches=5, adapted=20, kept=0)
    # momentum None: the equal-weight mean of the batches' statistics
    means = torch.stack([o.mean((0, 2, 3, 4)) for o in outs])
    variances = torch.stack([o.transpose(0, 1).flatten(1).var(1)
                             for o in outs])
    torch.testing.assert_close(bn.running_mean, means.mean(0))
    torch.testing.assert_close(bn.running_var, variances.mean(0))
    assert not torch.allclose(bn.running_mean, before)
    # every BatchNorm moved, weights did not, everything back in eval mode
    for key, value in model.state_dict().items():
        if key in weights:
            assert torch.equal(value, weights[key]), key
    assert not any(m.training for m in model.modules())
    assert all(m.momentum == 0.1 for m in model.modules()
               if isinstance(m, torch.nn.BatchNorm3d))


def test_adapted_statistics_normalise_the_test_clips():
    """After adapting, the first BatchNorm's output on the test clips has
    mean about 0 and std about 1 per channel (before: far from it)."""
    model = _model()
    batches = _batches(4, shift=200.0)
    bn = model.backbone.conv1.bn

    def first_bn_output():
        outs = []
        handle = bn.register_forward_hook(
            lambda m, i, o: outs.append(o.detach().clone()))
        with torch.no_grad():
            for batch in batches:
                model(**model.data_preprocessor(batch), mode='tensor')
        handle.remove()
        # undo the affine part to see the normalisation alone
        out = torch.cat(outs)
        w = bn.weight.view(1, -1, 1, 1, 1)
        b = bn.bias.view(1, -1, 1, 1, 1)
        return ((out - b) / w).transpose(0, 1).flatten(1)

    stale = first_bn_output()
    adapt_batch_norms(model, batches, show_progress=False)
    fresh = first_bn_output()
    assert fresh.mean(1).abs().max() < 1e-3
    assert (fresh.std(1) - 1).abs().max() < 0.05
    assert stale.mean(1).abs().max() > 0.5


def test_empty_loader_is_an_error():
    model = _model()
    with pytest.raises(ValueError, match='yielded no batch'):
        adapt_batch_norms(model, [], show_progress=False)
    assert not any(m.training for m in model.modules())


def test_shuffled_loader_draws_every_clip_once_in_a_seeded_order():
    data = list(range(20))
    loader = torch.utils.data.DataLoader(data, batch_size=4)
    order = [torch.cat(list(shuffled_loader(loader, seed))).tolist()
             for seed in (0, 0, 1)]
    assert sorted(order[0]) == data
    assert order[0] == order[1] != order[2]
    assert order[0] != data
    assert shuffled_loader(loader).batch_size == 4
    # a last, partial batch is dropped, unless it is the only one
    for size, drawn in ((10, 8), (3, 3)):
        loader = torch.utils.data.DataLoader(list(range(size)), batch_size=4)
        assert sum(len(b) for b in shuffled_loader(loader)) == drawn


def test_layers_the_forward_does_not_reach_keep_their_statistics():
    """E.g. a distillation teacher, or a layer of another branch: reset it
    and it would normalise with mean 0 and variance 1."""
    model = _model()
    model.unused = torch.nn.BatchNorm3d(4)
    model.unused.running_mean.fill_(3.0)
    model.unused.running_var.fill_(7.0)
    model.unused.num_batches_tracked.fill_(11)
    done = adapt_batch_norms(model, _batches(2), show_progress=False)
    assert done == dict(batches=2, adapted=20, kept=1)
    assert torch.all(model.unused.running_mean == 3.0)
    assert torch.all(model.unused.running_var == 7.0)
    assert int(model.unused.num_batches_tracked) == 11
    assert model.backbone.conv1.bn.num_batches_tracked == 2


def test_batch_norms_finds_every_kind_with_running_statistics():
    from mmengine.model import revert_sync_batchnorm
    from tiny_action.engine.hooks.test_time_bn_hook import batch_norms
    net = torch.nn.Sequential(
        torch.nn.SyncBatchNorm(4), torch.nn.BatchNorm1d(4),
        torch.nn.BatchNorm2d(4, track_running_stats=False),
        torch.nn.InstanceNorm3d(4, track_running_stats=True),
        torch.nn.InstanceNorm3d(4), torch.nn.LayerNorm(4),
        torch.nn.GroupNorm(2, 4))
    found = batch_norms(net)
    assert found == [net[0], net[1], net[3]]
    # off a process group mmengine turns SyncBatchNorm into _BatchNormXd
    reverted = revert_sync_batchnorm(net)
    assert type(reverted[0]).__name__ == '_BatchNormXd'
    assert batch_norms(reverted) == [reverted[0], reverted[1], reverted[3]]


def test_registered_and_val_statistics_restored():
    assert HOOKS.get('TestTimeBNHook') is TestTimeBNHook
    model = _model()
    loader = torch.utils.data.DataLoader(
        _batches(1, size=8)[0]['inputs'], batch_size=4,
        collate_fn=lambda xs: dict(
            inputs=xs, data_samples=[ActionDataSample() for _ in xs]))

    class Runner:
        pass

    runner = Runner()
    runner.model, runner.val_dataloader = model, loader
    runner.logger = pytest.importorskip('mmengine.logging').MMLogger(
        'test_tbn')
    state = {k: v.clone() for k, v in model.state_dict().items()}
    TestTimeBNHook().before_val_epoch(runner)  # on_val off: nothing
    assert all(torch.equal(v, state[k]) for k, v in
               model.state_dict().items())
    hook = TestTimeBNHook(on_val=True)
    hook.before_val_epoch(runner)
    moved = model.backbone.conv1.bn.running_mean.clone()
    assert not torch.allclose(moved, state['backbone.conv1.bn.running_mean'])
    hook.after_val_epoch(runner)
    assert all(torch.equal(v, state[k]) for k, v in
               model.state_dict().items())


def test_tools_test_with_the_hook(mini_demo, tmp_path):
    """The stock ``tools/test.py`` with the hook in ``custom_hooks``: the
    adaptation is logged, the scores differ from a plain test of the same
    checkpoint, and the checkpoint file is not changed."""
    plain = tiny_config(tmp_path / 'plain.py', mini_demo, max_epochs=1)
    adapted = tiny_config(
        tmp_path / 'adapted.py', mini_demo, max_epochs=1,
        extra="custom_hooks = [dict(type='TestTimeBNHook')]")
    run_tool(['tools/train.py', plain, '--work-dir', tmp_path / 'train'])
    ckpt = tmp_path / 'train' / 'epoch_1.pth'
    before = ckpt.read_bytes()
    scores = {}
    for name, cfg in (('plain', plain), ('adapted', adapted)):
        proc = run_tool(['tools/test.py', cfg, ckpt, '--work-dir',
                         tmp_path / name, '--dump', tmp_path / f'{name}.pkl'])
        logged = 'TestTimeBNHook: BatchNorm statistics' in (
            proc.stdout + proc.stderr)
        assert logged == (name == 'adapted')
        scores[name] = load_dump(str(tmp_path / f'{name}.pkl')).scores
    assert scores['plain'].shape == scores['adapted'].shape
    assert not np.allclose(scores['plain'], scores['adapted'])
    assert ckpt.read_bytes() == before


def _adapt_on_rank(rank: int, out: str) -> None:
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'file://{out}/store',
                            rank=rank, world_size=2)
    try:
        model = _model()
        adapt_batch_norms(model, _batches(2, seed=rank), show_progress=False)
        torch.save(model.backbone.conv1.bn.state_dict(), f'{out}/{rank}.pth')
        loader = torch.utils.data.DataLoader(list(range(16)), batch_size=4)
        drawn = torch.cat(list(shuffled_loader(loader))).tolist()
        torch.save(drawn, f'{out}/{rank}_drawn.pth')
    finally:
        dist.destroy_process_group()


def test_two_ranks_average_their_statistics(tmp_path):
    """Under a 2-process gloo group each rank adapts on its own clips and
    both end with the mean of the two ranks' statistics; the shuffled
    loader gives each rank its own half of the clips."""
    import torch.multiprocessing as mp
    mp.spawn(_adapt_on_rank, args=(str(tmp_path), ), nprocs=2)
    drawn = [torch.load(tmp_path / f'{r}_drawn.pth') for r in (0, 1)]
    assert len(drawn[0]) == len(drawn[1]) == 8
    assert sorted(drawn[0] + drawn[1]) == list(range(16))
    alone = []
    for rank in (0, 1):
        model = _model()
        adapt_batch_norms(model, _batches(2, seed=rank), show_progress=False)
        alone.append(model.backbone.conv1.bn)
    for rank in (0, 1):
        state = torch.load(tmp_path / f'{rank}.pth', weights_only=True)
        for key in ('running_mean', 'running_var'):
            torch.testing.assert_close(
                state[key],
                (getattr(alone[0], key) + getattr(alone[1], key)) / 2)
