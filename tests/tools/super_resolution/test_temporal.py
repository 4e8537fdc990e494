import pytest

from tiny_action.tools.super_resolution import plan_windows, stitch_ranges


def test_short_clip_is_one_window():
    assert plan_windows(5, 8, 2) == [(0, 5)]
    assert plan_windows(8, 8, 2) == [(0, 8)]
    assert plan_windows(150, None) == [(0, 150)]
    assert plan_windows(1, 4, 0) == [(0, 1)]


@pytest.mark.parametrize('max_frames, overlap',
                         [(m, o) for m in (2, 3, 5, 8, 16, 32)
                          for o in (0, 1, 4) if o < m])
def test_windows_cover_bounded_equal_and_overlap(max_frames, overlap):
    for total in range(1, 160):
        wins = plan_windows(total, max_frames, overlap)
        lengths = {e - s for s, e in wins}
        assert len(lengths) == 1, (total, wins)  # one batch shape a clip
        assert max(lengths) <= max_frames
        assert wins[0][0] == 0 and wins[-1][1] == total
        for (s0, e0), (s1, e1) in zip(wins, wins[1:]):
            assert s0 < s1 and e0 - s1 >= overlap, (total, wins)
        # the fewest windows: one fewer could not cover with the overlap
        k = len(wins)
        assert k == 1 or (k - 1) * max_frames - (k - 2) * overlap < total
        ranges = stitch_ranges(wins)
        covered = [f for a, b in ranges for f in range(a, b)]
        assert covered == list(range(total))  # every frame exactly once
        for (a, b), (s, e) in zip(ranges, wins):
            assert s <= a <= b <= e


def test_cut_in_the_middle_of_the_overlap():
    wins = plan_windows(64, 32, 4)
    assert wins == [(0, 24), (20, 44), (40, 64)]
    assert stitch_ranges(wins) == [(0, 22), (22, 42), (42, 64)]


@pytest.mark.parametrize('args, match', [
    ((0, 8, 2), 'at least 1 frame'),
    ((10, 0, 0), '`max_frames` should be >= 1'),
    ((10, 4, 4), r'`overlap` should be in \[0, max_frames=4\)'),
    ((10, 4, -1), '`overlap`'),
])
def test_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        plan_windows(*args)
