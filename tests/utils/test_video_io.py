"""write_video_atomic is byte-for-byte deterministic, so the demo dataset is
the same in every generation.

With x264's macroblock-tree rate control on (the libx264 default), the x264 of
the PyAV wheel encoded the demo's small low-res clips differently from run to
run, even single-threaded and within one process; the demo's low-res models
were then trained and tested on other pixels in every fresh clone.
"""
import hashlib

import numpy as np

from tiny_action.tools.demo.data import SPLITS, _plan, degrade, render_clip
from tiny_action.utils.video_io import write_video_atomic


def _demo_lr_clips(n: int):
    """The low-res frames of the first ``n`` demo clips (as generated)."""
    clips = []
    for _, entry, clip_seed in _plan(0, SPLITS)[:n]:
        rng = np.random.default_rng(clip_seed)
        hr = render_clip(rng, entry['label'], entry['dim'][0], 128)
        clips.append(degrade(hr, entry['dim'][1], rng))
    return clips


def _digest(path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_same_frames_give_the_same_file(tmp_path):
    # without mbtree=0 about half of these clips differ between two encodes
    for i, frames in enumerate(_demo_lr_clips(12)):
        digests = set()
        for k in range(3):
            path = tmp_path / f'{i}_{k}.mp4'
            write_video_atomic(str(path), frames)
            digests.add(_digest(path))
        assert len(digests) == 1, (
            f'clip {i} ({frames[0].shape[1]} px, {len(frames)} frames) '
            f'encoded to {len(digests)} different files')


def test_demo_dataset_is_identical_in_two_generations(tmp_path):
    from tiny_action.tools.demo.data import make_demo_dataset

    def files(root):
        return {str(p.relative_to(root)): _digest(p)
                for p in sorted(root.rglob('*')) if p.is_file()}

    made = []
    for name in ('a', 'b'):
        make_demo_dataset(str(tmp_path / name), seed=0,
                          splits=(('train', 12), ('val', 4)), progress=False)
        made.append(files(tmp_path / name))
    assert len([k for k in made[0] if k.endswith('.mp4')]) == 2 * 16
    differ = sorted(k for k in made[0] if made[0][k] != made[1].get(k))
    assert made[0].keys() == made[1].keys() and not differ, differ
