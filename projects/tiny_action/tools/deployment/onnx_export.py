"""Export a trained recognizer (or a distilled student) to ONNX: test clips
in, per-class probabilities out, with a dynamic batch axis.

The exported graph is the whole test-time model after the data pipeline:
the data preprocessor's normalisation, the backbone and head of each view,
and the head's multi-label view averaging (sigmoid, never softmax), i.e.
what ``tools/test.py`` stores as ``pred_score``. Its input ``clips`` is the
test pipeline's output as float32, ``(N, views, 3, T, H, W)`` RGB in
``[0, 255]``; its output ``probs`` is ``(N, num_classes)``. The class names
and the input layout are stored in the model's metadata, so a deployment
needs only ONNX Runtime.
"""
import json
import warnings
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose
from torch import nn

from mmaction.registry import TRANSFORMS
from tiny_action.apis.inference import class_names, init_recognizer
from tiny_action.apis.inferencer import frames_results
from tiny_action.apis.video_inputs import ArrayReader
from tiny_action.datasets.transforms import TinyVideoInit
from tiny_action.models.heads import ASLHead
from tiny_action.utils.fileio import atomic_path

__all__ = ['ProbabilityModel', 'test_input_shape', 'export_onnx',
           'onnx_session', 'run_onnx']

INPUT_NAME, OUTPUT_NAME = 'clips', 'probs'


class ProbabilityModel(nn.Module):
    """A recognizer's test-time forward as one tensor function.

    ``forward(clips)`` with ``clips`` ``(N, V, C, T, H, W)`` float in the
    pipeline's value range returns ``(N, num_classes)`` probabilities,
    equal (up to float rounding) to ``model.test_step``'s ``pred_score``.

    Args:
        recognizer (nn.Module): A 3D recognizer (``NCTHW`` data
            preprocessor, a head with ``average_clip`` returning
            probabilities, as ``ASLHead`` / ``KDHead``), or an
            ``EnsembleRecognizer3D`` of such members (then the mean of their
            probabilities).
    """

    def __init__(self, recognizer: nn.Module) -> None:
        super().__init__()
        pre = recognizer.data_preprocessor
        if getattr(pre, 'format_shape', None) != 'NCTHW':
            raise ValueError('ONNX export supports recognizers of NCTHW '
                             'clips, but the data preprocessor has '
                             f'format_shape={getattr(pre, "format_shape", None)!r}')
        head = recognizer.cls_head
        if not isinstance(head, ASLHead):
            raise ValueError('ONNX export needs a multi-label head (ASLHead '
                             f'or KDHead), but got {type(head).__name__}')
        self.recognizer = recognizer
        self.to_rgb = bool(pre.to_rgb)
        self.normalize = getattr(pre, 'mean', None) is not None
        if self.normalize:
            self.register_buffer('mean', pre.mean.detach().clone())
            self.register_buffer('std', pre.std.detach().clone())

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        """Probabilities ``(N, num_classes)`` of clips ``(N, V, C, T, H,
        W)``."""
        views = clips.shape[1]
        if self.to_rgb:
            clips = clips[:, :, [2, 1, 0]]
        if self.normalize:
            clips = (clips - self.mean) / self.std
        logits = self.recognizer(clips, mode='tensor', stage='head')
        if not isinstance(logits, tuple):
            return self.recognizer.cls_head.average_clip(logits,
                                                         num_segs=views)
        # an EnsembleRecognizer3D: the mean of its members' probabilities
        heads = [head for _, head in self.recognizer.member_pairs()]
        return torch.stack([
            head.average_clip(member, num_segs=views)
            for head, member in zip(heads, logits)]).mean(0)


def test_input_shape(cfg, num_frames: int = 32,
                     size: int = 64) -> Tuple[int, ...]:
    """``(V, C, T, H, W)`` of one clip after the config's test pipeline
    (probed on a synthetic ``num_frames``-frame clip of ``size`` px)."""
    steps = [TRANSFORMS.build(t) for t in cfg.test_dataloader.dataset.pipeline]
    if not steps or not isinstance(steps[0], TinyVideoInit):
        raise ValueError('the test pipeline should start with TinyVideoInit '
                         'to probe its input shape')
    frames = np.zeros((num_frames, size, size, 3), dtype=np.uint8)
    packed = Compose(steps[1:])(frames_results(
        '<shape probe>', ArrayReader('<shape probe>', frames)))
    return tuple(packed['inputs'].shape)


def _add_metadata(path: str, meta: Dict[str, str]) -> None:
    import onnx
    model = onnx.load(path)
    for key, value in meta.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    onnx.save(model, path)


def export_onnx(config,
                checkpoint: Optional[str],
                out: str,
                opset: int = 17,
                input_shape: Optional[Sequence[int]] = None,
                batch_size: int = 2) -> Dict:
    """Export the recognizer of ``config`` (the student of a distillation
    config) with ``checkpoint`` to ``out``, atomically.

    Uses torch's TorchScript-based exporter (``dynamo=False``), with the
    batch axis of ``clips`` and ``probs`` dynamic.

    Args:
        config (str | Config): The config.
        checkpoint (str, optional): Its checkpoint (None: random weights).
        out (str): The ``.onnx`` file.
        opset (int): ONNX opset. Defaults to 17.
        input_shape (Sequence[int], optional): ``(V, C, T, H, W)``; by
            default the test pipeline's (:func:`test_input_shape`).
        batch_size (int): Batch of the example input traced. Defaults to 2.

    Returns:
        dict: ``input_shape``, ``classes``, ``opset`` and the wrapped
        ``model`` (:class:`ProbabilityModel`, for comparisons).
    """
    model, cfg, meta = init_recognizer(config, checkpoint, 'cpu')
    wrapper = ProbabilityModel(model).eval()
    shape = tuple(input_shape or test_input_shape(cfg))
    classes = class_names(cfg, meta, model.cls_head.num_classes)
    example = torch.randint(0, 256, (batch_size, ) + shape).float()
    with atomic_path(out, suffix='.onnx') as tmp, torch.no_grad(), \
            warnings.catch_warnings():
        # shape checks in Python (e.g. the head's input check) are traced as
        # constants, which is right for a fixed clip shape
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        torch.onnx.export(
            wrapper, (example, ), tmp, dynamo=False, opset_version=opset,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: 'batch'},
                          OUTPUT_NAME: {0: 'batch'}})
        _add_metadata(tmp, dict(
            classes=json.dumps(classes),
            input=f'{INPUT_NAME}: float32 (batch, ' +
            ', '.join(map(str, shape)) + ') RGB in [0, 255] (views, C, T, '
            'H, W), the test pipeline output',
            output=f'{OUTPUT_NAME}: float32 (batch, {len(classes)}) '
            'per-class probabilities'))
    return dict(input_shape=shape, classes=classes, opset=opset,
                model=wrapper)


def onnx_session(path: str, threads: Optional[int] = None):
    """An ONNX Runtime CPU session of ``path`` (``threads`` intra-op
    threads; default: torch's)."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or torch.get_num_threads()
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=opts,
                                providers=['CPUExecutionProvider'])


def run_onnx(session, clips: np.ndarray) -> np.ndarray:
    """Probabilities ``(N, C)`` of clips ``(N, V, C, T, H, W)``."""
    return session.run([OUTPUT_NAME],
                       {INPUT_NAME: np.asarray(clips, dtype=np.float32)})[0]
