"""Helpers of the inference tests: a tiny recognizer checkpoint with spread
scores, and bad video files."""
from pathlib import Path

import av
import numpy as np
import torch

from tiny_action.tools.demo.data import CLASSES


def write_random_checkpoint(cfg_path: Path, out: Path, seed: int = 0,
                            prefix: str = '') -> Path:
    """A randomly initialised recognizer of ``cfg_path`` (BatchNorm
    statistics and classifier randomised too, so probabilities spread over
    (0, 1)) saved as an mmengine checkpoint with the demo classes."""
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.runner import save_checkpoint
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(str(cfg_path)).model)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.normal_(0, 0.2, generator=gen)
                m.running_var.uniform_(0.5, 2.0, generator=gen)
                m.weight.uniform_(0.5, 1.5, generator=gen)
        model.cls_head.fc_cls.weight.normal_(0, 0.5, generator=gen)
    state = {prefix + k: v for k, v in model.state_dict().items()}
    save_checkpoint(dict(state_dict=state,
                         meta=dict(dataset_meta=dict(classes=CLASSES))),
                    str(out))
    return out


def write_kd_checkpoint(cfg_path: Path, out: Path, seed: int = 0) -> Path:
    """A ``DualResolutionRecognizer`` checkpoint: the weights of
    :func:`write_random_checkpoint` (same seed) as ``student.*``, and a
    teacher of the same architecture as ``teacher.*``."""
    write_random_checkpoint(cfg_path, out, seed=seed, prefix='student.')
    ckpt = torch.load(out)
    state = ckpt['state_dict']
    state.update({'teacher.' + k[len('student.'):]: v + 1
                  for k, v in list(state.items())})
    torch.save(ckpt, out)
    return out


def write_zero_frame_video(path: Path) -> Path:
    """A video with a stream, a header and a trailer but no frame."""
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('mjpeg', rate=25)
        stream.width = stream.height = 32
        stream.pix_fmt = 'yuvj420p'
        container.start_encoding()
    return path


def bad_inputs(folder: Path) -> dict:
    """Bad inputs, each with what its error says: missing, empty, corrupt,
    zero frames, a folder without videos."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / 'empty.mp4'
    empty.write_bytes(b'')
    corrupt = folder / 'garbage.mp4'
    corrupt.write_bytes(np.random.default_rng(0).bytes(4096))
    novideo = folder / 'no_videos'
    novideo.mkdir(exist_ok=True)
    (novideo / 'notes.txt').write_text('not a video')
    return {
        str(folder / 'missing.mp4'): 'does not exist',
        str(empty): 'empty',
        str(corrupt): 'corrupt',
        str(write_zero_frame_video(folder / 'zero.avi')): 'no decodable frame',
        str(novideo): 'holds no video file',
    }
