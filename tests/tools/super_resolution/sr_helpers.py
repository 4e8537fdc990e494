"""Helpers of the super-resolution tests: tiny clips written at test time and
RealBasicVSR checkpoints with *random* weights (a tiny net: its outputs are
not super-resolution, only shapes / bookkeeping are checked with them).

Imported by the test modules as ``sr_helpers`` (pytest puts this folder on
``sys.path``)."""
import json
import os
import sys
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import torch

import tiny_action  # noqa: F401  (compat shims + registration first)
from tiny_action.datasets.transforms import TinyVideoReader
from tiny_action.utils.video_io import write_video_atomic

REPO = Path(__file__).resolve().parents[3]
TOOL = REPO / 'tools' / 'data' / 'super_resolve.py'

#: a RealBasicVSRNet small enough for tests (random init)
TINY_ARCH = dict(mid_channels=8, num_propagation_blocks=1,
                 num_cleaning_blocks=1)
ARCH_ARGS = ['--arch'] + [f'{k}={v}' for k, v in TINY_ARCH.items()]

#: (frames, height, width) of the default test clips: 16-32 px, 3-8 frames
CLIP_SPECS = ((3, 16, 16), (5, 16, 16), (8, 24, 24), (4, 32, 16),
              (6, 16, 16), (7, 24, 24))


def make_dataset(root: Path,
                 specs: Sequence[Tuple[int, int, int]] = CLIP_SPECS,
                 seed: int = 0) -> Tuple[Path, Path, List[dict]]:
    """Write ``len(specs)`` random clips under ``root/lr/v<k>/`` and a v2
    annotation file ``root/ann.json``; returns (ann_file, lr_root, entries).
    """
    rng = np.random.default_rng(seed)
    lr_root = root / 'lr'
    entries = []
    for i, (t, h, w) in enumerate(specs):
        path = f'v{i % 2}/{i:05d}.mp4'
        frames = rng.integers(0, 256, (t, h, w, 3), dtype=np.uint8)
        write_video_atomic(str(lr_root / path), list(frames))
        entries.append(dict(id=f'{i:05d}', video_id=f'v{i % 2}', path=path,
                            dim=[t, h, w], label=['Talking']))
    ann_file = root / 'ann.json'
    ann_file.write_text(json.dumps(entries))
    return ann_file, lr_root, entries


def random_net(seed: int = 0, **arch):
    from tiny_action.tools.super_resolution import build_realbasicvsr_net
    torch.manual_seed(seed)
    return build_realbasicvsr_net(**dict(TINY_ARCH, **arch))


def save_random_checkpoint(path: Path, form: str = 'bare',
                           seed: int = 0, **arch) -> Path:
    """Save a random-weight tiny RealBasicVSRNet as ``form``: ``bare``
    (state dict), ``full`` (mmagic RealBasicVSR checkpoint: ``meta`` +
    ``state_dict`` with ``generator.`` / ``generator_ema.`` /
    ``discriminator.`` keys; the EMA generator gets other weights) or
    ``ddp`` (bare keys prefixed ``module.``)."""
    state = random_net(seed, **arch).state_dict()
    if form == 'bare':
        obj = state
    elif form == 'ddp':
        obj = {'module.' + k: v for k, v in state.items()}
    elif form == 'full':
        ema = random_net(seed + 1, **arch).state_dict()
        sd = {'generator.' + k: v for k, v in state.items()}
        sd.update({'generator_ema.' + k: v for k, v in ema.items()})
        sd['discriminator.conv_0.weight'] = torch.zeros(4, 3, 3, 3)
        sd['step_counter'] = torch.zeros(1)
        obj = dict(meta=dict(mmagic_version='1.2.0', iter=10),
                   state_dict=sd)
    else:
        raise ValueError(form)
    torch.save(obj, str(path))
    return path


def read_frames(path) -> np.ndarray:
    """Every frame of a video, ``(T, H, W, 3)`` uint8 RGB."""
    reader = TinyVideoReader(str(path))
    return reader.get_batch(np.arange(len(reader)))


def tool_cmd(*args) -> List[str]:
    return [sys.executable, str(TOOL)] + [str(a) for a in args]


def tool_env(**extra) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS='1')
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR',
                'MASTER_PORT'):
        env.pop(key, None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def write_zero_frame_video(path: Path) -> Path:
    """An mp4 file into which no frame was ever encoded (FFmpeg writes it
    without a video track)."""
    import av
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), 'w', format='mp4') as container:
        stream = container.add_stream('libx264', rate=25)
        stream.width, stream.height, stream.pix_fmt = 16, 16, 'yuv420p'
        container.start_encoding()
        for packet in stream.encode():
            container.mux(packet)
    return path


def one_torch_thread():
    """Generator for an autouse fixture: one intra-op thread while the
    module runs (tiny tensors; the CPUs are shared), restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
