"""VideoBalancedSampler: clips drawn by their source video's clip count, a
video of n clips weighing n ** power of the draws."""
from collections import Counter

import numpy as np
import pytest
from mmengine.runner import Runner

import tiny_action  # noqa: F401
from conftest import Infos
from tiny_action.datasets.samplers import VideoBalancedSampler


def clips(videos):
    """One clip info per entry of ``videos`` (its video_id), labels alike
    (the sampler must not balance them)."""
    return Infos([dict(video_id=v, label_idx=[0], filename=f'{i}.mp4')
                  for i, v in enumerate(videos)])


def test_a_video_weighs_its_clip_count_to_the_power():
    videos = ['big'] * 16 + ['mid'] * 4 + ['one']
    full = VideoBalancedSampler(clips(videos), power=1.0, seed=0).weights
    assert full[:16].sum() == pytest.approx(1 / 3)
    assert full[16:20].sum() == pytest.approx(1 / 3) == full[20]
    root = VideoBalancedSampler(clips(videos), seed=0).weights  # 0.5
    shares = np.array([root[:16].sum(), root[16:20].sum(), root[20]])
    assert shares / shares[2] == pytest.approx([4, 2, 1])  # sqrt(16), sqrt(4)
    uniform = VideoBalancedSampler(clips(videos), power=0, seed=0).weights
    assert np.allclose(uniform, 1 / 21)


def test_draws_follow_the_weights_and_keep_the_epoch_length():
    videos = ['a'] * 20 + ['b'] * 5 + list('cdefg')
    sampler = VideoBalancedSampler(clips(videos), power=1.0, seed=0)
    assert len(sampler) == 30
    drawn = Counter()
    for epoch in range(1000):  # 30,000 draws: a share's std 0.002
        sampler.set_epoch(epoch)
        drawn.update(videos[i] for i in sampler)
    share = np.array([drawn[v] for v in 'abcdefg']) / sum(drawn.values())
    assert share == pytest.approx(np.full(7, 1 / 7), abs=0.01)
    sampler.set_epoch(3)
    again = VideoBalancedSampler(clips(videos), power=1.0, seed=0)
    again.set_epoch(3)
    assert list(sampler) == list(again)


def test_the_runner_builds_it_from_a_config():
    loader = Runner.build_dataloader(
        dict(dataset=clips(['a', 'a', 'b', 'c']), batch_size=2,
             sampler=dict(type='VideoBalancedSampler', power=0.5)),
        seed=0)
    assert isinstance(loader.sampler, VideoBalancedSampler)
    assert loader.sampler.seed == 0 and loader.sampler.power == 0.5
    assert sum(len(b) for b in loader) == 4


def test_bad_input_is_named():
    with pytest.raises(KeyError, match='sample 1 .*b.mp4.*no "video_id"'):
        VideoBalancedSampler(Infos([dict(video_id='v'),
                                    dict(filename='b.mp4', video_id=None)]))
    with pytest.raises(ValueError, match='VideoBalancedSampler: the dataset '
                       'is empty'):
        VideoBalancedSampler(Infos([]))
    with pytest.raises(ValueError, match='VideoBalancedSampler: `power`'):
        VideoBalancedSampler(clips(['a']), power=2)
