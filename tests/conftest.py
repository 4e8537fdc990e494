"""Shared fixtures: the real data in ../shared/data, a mini demo dataset,
and tiny configs for running the stock mmaction2 tools."""
import os
import os.path as osp
import subprocess
import sys
from pathlib import Path

import pytest

import tiny_action  # noqa: F401  (compat shims + registration first)
from mmaction.utils import register_all_modules
from tiny_action.testing import write_tiny_config

register_all_modules(init_default_scope=True)  # builds resolve in mmaction

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / 'shared' / 'data'


def random_clip(frames: int = 12, size: int = 32, dtype=None,
                seed: int = 0) -> list:
    """``frames`` square frames of uniform random grey levels (``size`` px,
    3 channels, ``dtype``, uint8 by default): every pixel changes from
    frame to frame, so the clip's motion energy is positive nearly
    everywhere."""
    import numpy as np
    rng = np.random.RandomState(seed)
    return [rng.randint(0, 256, (size, size, 3)).astype(dtype or np.uint8)
            for _ in range(frames)]


def shared_data_dir(*parts: str) -> Path:
    """``<repo>/../shared/data/<parts>``; skips when absent, except under
    ``CI=true`` where a missing folder fails the test."""
    path = SHARED_DATA.joinpath(*parts).resolve()
    if not path.is_dir():
        msg = (f'shared real data folder {path} is absent (it should sit '
               'beside the repo as ../shared/data)')
        if os.environ.get('CI', '').lower() == 'true':
            pytest.fail(msg + ' and CI=true requires it')
        pytest.skip(msg)
    return path


@pytest.fixture(scope='session')
def shared_data() -> Path:
    """``../shared/data``; skipped when absent, but a failure under CI."""
    return shared_data_dir()


@pytest.fixture(scope='session')
def mini_demo(tmp_path_factory) -> Path:
    """A mini demo dataset (16 train / 8 val / 8 test clips)."""
    from tiny_action.tools.demo.data import make_demo_dataset
    out = tmp_path_factory.mktemp('mini_demo')
    make_demo_dataset(
        str(out), seed=1, splits=(('train', 16), ('val', 8), ('test', 8)),
        progress=False)
    return out


def tiny_config(path: Path, data_dir: Path, max_epochs: int = 2,
                base: str = 'configs/demo/demo_lr.py', extra: str = '',
                video_dir: str = 'videos', sr_dir: str = None) -> Path:
    """:func:`tiny_action.testing.write_tiny_config` with ``base`` relative
    to the repository."""
    return write_tiny_config(path, data_dir, REPO / base, max_epochs, extra,
                             video_dir, sr_dir)


def run_tool(args, cwd: Path = REPO, env=None, timeout=600):
    """Run a repo tool (``tools/x.py`` or ``tools/x.sh``) and return the
    CompletedProcess; raises with its output when it fails."""
    tool = str(REPO / args[0])
    cmd = (['bash', tool] if tool.endswith('.sh') else [sys.executable, tool])
    full_env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    proc = subprocess.run(cmd + [str(a) for a in args[1:]], cwd=str(cwd),
                          env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(cmd + list(map(str, args[1:])))} failed '
            f'({proc.returncode}):\n{proc.stdout[-3000:]}\n'
            f'{proc.stderr[-6000:]}')
    return proc


def write_mjpeg_avi(path: Path, frames: int = 30, keep: int = None) -> Path:
    """Write an MJPEG AVI of ``frames`` 32x32 frames; with ``keep``, cut it
    after that many frame chunks, as an interrupted copy would: the header
    still declares ``frames`` and FFmpeg decodes the ``keep`` that are left
    without an error."""
    import av
    import numpy as np
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('mjpeg', rate=25)
        stream.width = stream.height = 32
        stream.pix_fmt = 'yuvj420p'
        for i in range(frames):
            img = np.full((32, 32, 3), 8 * i % 256, np.uint8)
            for packet in stream.encode(
                    av.VideoFrame.from_ndarray(img, format='rgb24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    if keep is not None:
        import re
        data = path.read_bytes()
        movi = data.index(b'movi')
        chunks = [m.start() for m in re.finditer(b'00dc', data)
                  if m.start() > movi]
        path.write_bytes(data[:chunks[keep]])
    return path


class Infos:
    """A dataset of sample infos only: what a sampler reads
    (``get_data_info``), each item its own index."""

    def __init__(self, infos):
        self.infos = infos

    def __len__(self):
        return len(self.infos)

    def __getitem__(self, i):
        return i

    def get_data_info(self, i):
        return self.infos[i]
