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

register_all_modules(init_default_scope=True)  # builds resolve in mmaction

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / 'shared' / 'data'


@pytest.fixture(scope='session')
def shared_data() -> Path:
    """``../shared/data``; skipped when absent, but a failure under CI."""
    if not SHARED_DATA.is_dir():
        if os.environ.get('CI', '').lower() == 'true':
            pytest.fail(f'{SHARED_DATA} is missing (CI=true needs it)')
        pytest.skip(f'{SHARED_DATA} is not present on this machine')
    return SHARED_DATA


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
    """Write a config inheriting ``base`` that runs on ``data_dir``
    (videos under ``video_dir``, and for training the paired clips under
    ``sr_dir``) with batch 4 and no workers; returns its path."""
    data_dir = str(data_dir)
    lines = [
        f"_base_ = [{str(REPO / base)!r}]",
        f"data_root = {data_dir!r}",
    ]
    for split in ('train', 'val', 'test'):
        lines.append(
            f"{split}_dataloader = dict(batch_size=4, num_workers=0, "
            f"persistent_workers=False, dataset=dict("
            f"ann_file=data_root + '/tiny_{split}_v2.json', "
            f"class_map=data_root + '/class_map.json', "
            f"data_prefix=dict(video=data_root + '/{video_dir}/{split}'"
            + (f", sr=data_root + '/{sr_dir}/{split}'"
               if sr_dir and split == 'train' else '') + ")))")
    lines += [
        f"train_cfg = dict(max_epochs={max_epochs}, val_interval=1)",
        "param_scheduler = []",
        "default_hooks = dict(logger=dict(interval=1))",
        extra,
    ]
    path.write_text('\n'.join(lines) + '\n')
    return path


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
