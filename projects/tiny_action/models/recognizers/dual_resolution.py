"""Dual-resolution distillation (paper section 3, equation 1)."""
import copy
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.fileio import load
from mmengine.model import BaseModel
from mmengine.runner import CheckpointLoader, load_state_dict
from torch import nn

from ...datasets.label_pairs import swap_label_pairs
from ...utils.checkpoint import check_checkpoint_fits
from .common import ModeDispatchModel, sr_inputs_of


def _build(cfg: Union[dict, nn.Module], name: str) -> BaseModel:
    model = MODELS.build(cfg) if isinstance(cfg, dict) else cfg
    if not isinstance(model, BaseModel):
        raise TypeError(f'`{name}` should be a config dict or a built '
                        f'mmengine BaseModel, but got {type(model)}')
    return model


def _with_pretrained(init_cfg: Optional[Union[dict, list]],
                     checkpoint: str) -> List[dict]:
    """``init_cfg`` plus ``Pretrained`` from ``checkpoint`` (applied last by
    :meth:`mmengine.model.BaseModule.init_weights`)."""
    if init_cfg is None:
        init_cfg = []
    elif isinstance(init_cfg, dict):
        init_cfg = [init_cfg]
    return list(init_cfg) + [dict(type='Pretrained', checkpoint=checkpoint)]


def _head_classes(model: BaseModel, name: str) -> int:
    head = getattr(model, 'cls_head', None)
    if head is None or not hasattr(head, 'num_classes'):
        raise ValueError(f'the {name} must be a recognizer with a '
                         '`cls_head` that has `num_classes`')
    return head.num_classes


def load_checkpoint_strict(model: nn.Module,
                           path: str,
                           name: str,
                           classes: Optional[Sequence[str]] = None,
                           prefix: Optional[str] = None) -> dict:
    """Load the mmengine checkpoint ``path`` into ``model``, every key and
    shape matching, and (when ``classes`` is given and the checkpoint
    records its classes) trained on ``classes`` in this order; returns the
    checkpoint's ``meta``.

    This is :func:`mmengine.runner.load_checkpoint` with ``strict=True`` in
    its two public steps (:meth:`~mmengine.runner.CheckpointLoader.
    load_checkpoint`, then :func:`~mmengine.runner.load_state_dict`), with
    the whole key and shape comparison done first, on every rank (mmengine
    raises for a strict mismatch on rank 0 only), so that the error names
    the file and lists what differs.

    Args:
        model (nn.Module): The model to load into.
        path (str): The checkpoint file.
        name (str): What the model is (e.g. ``'teacher'``), for messages.
        classes (Sequence[str], optional): The dataset's class names in
            index order, checked against the checkpoint's
            ``meta.dataset_meta.classes``. Defaults to None (not checked).
        prefix (str, optional): When some keys start with it (e.g.
            ``'student.'`` in a ``DualResolutionRecognizer`` checkpoint),
            only those are loaded, without the prefix; a checkpoint without
            such keys is loaded as it is. Defaults to None.

    Returns:
        dict: The checkpoint's ``meta`` (empty if it has none).

    Args:
        model (nn.Module): The module to fill.
        path (str): The checkpoint.
        name (str): What ``model`` is, for the messages (e.g. 'teacher').
        prefix (str): Load only the checkpoint's keys under ``prefix`` (e.g.
            ``'generator.'``, for a sub-module of a saved model), with the
            prefix removed. Defaults to '' (the whole checkpoint).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointMismatchError: (a ``ValueError``) the checkpoint does not
            match ``model`` (missing, unexpected and mis-shaped keys are
            listed) or ``classes``; see
            :func:`tiny_action.utils.checkpoint.check_checkpoint_fits`.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{name} checkpoint {path} does not exist '
                                f'(train the {name} first)')
    ckpt = CheckpointLoader.load_checkpoint(
        path, map_location='cpu', logger='current')
    state = ckpt.get('state_dict', ckpt)
    if prefix and any(k.startswith(prefix) for k in state):
        state = {k[len(prefix):]: v for k, v in state.items()
                 if k.startswith(prefix)}
    check_checkpoint_fits(model, dict(state_dict=state, meta=ckpt.get('meta')),
                          path, classes, role=name)
    load_state_dict(model, state, strict=True, logger='current')
    return ckpt.get('meta', {}) or {}


def merge_overrides(cfg: dict, overrides: dict) -> dict:
    """``cfg`` with ``overrides`` merged in as ``--cfg-options`` would
    (:meth:`mmengine.Config.merge_from_dict`: nested dicts merge key by key,
    dotted keys reach inside, ``_delete_=True`` replaces a dict). Neither
    argument is modified.

    Examples:
        >>> merge_overrides(dict(type='R', head=dict(type='A', n=3)),
        ...                 {'head': dict(type='B'), 'backbone.depth': 18})
        {'type': 'R', 'head': {'type': 'B', 'n': 3}, 'backbone': {'depth': 18}}
    """
    merged = Config(copy.deepcopy(dict(cfg)))
    merged.merge_from_dict(copy.deepcopy(dict(overrides)))
    return merged.to_dict()


def student_config(student: Union[dict, BaseModel],
                   student_overrides: Optional[dict] = None
                   ) -> Union[dict, BaseModel]:
    """The student of a ``DualResolutionRecognizer`` config with
    ``student_overrides`` merged in (as ``--cfg-options`` would); what the
    recognizer builds, and what inference builds alone.

    Raises:
        TypeError: ``student_overrides`` given with a built student.
    """
    if student_overrides is None:
        return student
    if not isinstance(student, dict):
        raise TypeError('`student_overrides` needs the student as a config '
                        'dict')
    return merge_overrides(student, student_overrides)


@MODELS.register_module()
class DualResolutionRecognizer(ModeDispatchModel):
    """A low-resolution student distilled from a frozen super-resolution
    teacher (in the style of mmrazor's ``SingleTeacherDistill``).

    Training: the student sees the low-resolution clip (``inputs``); the
    teacher sees the super-resolved clip of the *same* sample, decoded at the
    same frame indices with the same flip (``data_sample.sr_inputs``, packed
    by ``PackTinyActionInputs``), normalised by the teacher's own data
    preprocessor. The teacher's sigmoid probabilities become the knowledge
    ``k`` (``data_sample.teacher_score``) that the student's ``KDHead``
    uses in equation 1. With ``knowledge_cache`` the teacher is not run: the
    probabilities come from ``tools/misc/cache_teacher.py`` (per-video averages,
    looked up by the clip ``id``).

    Validation / test / ``tensor`` mode run the student only, so
    ``tools/test.py`` on a KD checkpoint reports the student's score. The
    teacher is frozen (``requires_grad=False``), kept in ``eval()`` (its
    BatchNorm statistics never change) and run under ``torch.no_grad()``.

    Args:
        student (dict | BaseModel): the low-resolution recognizer; its head
            must be a ``KDHead``.
        teacher (dict | BaseModel, optional): the SR recognizer. Required
            unless ``knowledge_cache`` is given. Defaults to None.
        student_overrides (dict, optional): merged into the student config
            as ``--cfg-options`` would (:func:`merge_overrides`), so a KD
            config reuses a plain recognizer config as the student, e.g.
            ``dict(cls_head=dict(type='KDHead', alpha=0.5))``. Defaults to
            None.
        teacher_ckpt (str, optional): checkpoint of the teacher (an
            mmengine checkpoint of a plain recognizer), loaded strictly
            (:func:`load_checkpoint_strict`). Required for a teacher given
            as a config. Defaults to None.
        knowledge_cache (str, optional): JSON written by
            ``tools/misc/cache_teacher.py`` (clip id -> teacher
            probabilities). Defaults to None.
        student_init (str, optional): checkpoint the student starts from
            (e.g. Kinetics-400 weights), a shorthand for adding
            ``dict(type='Pretrained', checkpoint=student_init)`` to the
            built student's ``init_cfg`` (mmrazor's way; mmaction
            recognizers take no ``init_cfg`` argument): it is loaded by
            ``init_weights()``, not strictly, so weights that do not fit
            (another head) stay as initialised and are logged. Defaults to
            None.
        init_cfg (dict, optional): passed to ``BaseModel``. Defaults to None.

    Examples:
        >>> from mmaction.registry import MODELS
        >>> from mmaction.utils import register_all_modules
        >>> from tiny_action.testing import kd_batch, tiny_recognizer_cfg
        >>> register_all_modules()
        >>> teacher = MODELS.build(tiny_recognizer_cfg(num_classes=5))
        >>> model = MODELS.build(dict(
        ...     type='DualResolutionRecognizer',
        ...     student=tiny_recognizer_cfg(num_classes=5),
        ...     student_overrides=dict(
        ...         cls_head=dict(type='KDHead', alpha=0.5)),
        ...     teacher=teacher))  # a built teacher: trained, no checkpoint
        >>> data = model.data_preprocessor(kd_batch(2, num_classes=5), True)
        >>> losses = model(**data, mode='loss')
        >>> sorted(losses)
        ['loss_cls', 'loss_kd']
        >>> predictions = model.eval().test_step(kd_batch(2, num_classes=5))
        >>> predictions[0].pred_score.shape  # the student's probabilities
        torch.Size([5])
    """

    def __init__(self,
                 student: Union[dict, BaseModel],
                 teacher: Optional[Union[dict, BaseModel]] = None,
                 student_overrides: Optional[dict] = None,
                 teacher_ckpt: Optional[str] = None,
                 knowledge_cache: Optional[str] = None,
                 student_init: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        student = _build(student_config(student, student_overrides),
                         'student')
        if student_init is not None:
            student.init_cfg = _with_pretrained(student.init_cfg, student_init)
        super().__init__(
            data_preprocessor=student.data_preprocessor, init_cfg=init_cfg)
        self.student = student
        num_classes = _head_classes(student, 'student')
        if not hasattr(student.cls_head, 'alpha'):
            raise TypeError('the student head must be a KDHead (it receives '
                            'the teacher knowledge), got '
                            f'{type(student.cls_head).__name__}')
        self.teacher: Optional[BaseModel] = None
        self.teacher_classes: Optional[tuple] = None
        self.teacher_ckpt: Optional[str] = None
        self.cache: Optional[Dict[str, torch.Tensor]] = None
        if knowledge_cache is not None:
            self.cache = self._load_cache(knowledge_cache, num_classes)
        elif teacher is None:
            raise ValueError('DualResolutionRecognizer needs a `teacher` '
                             '(online distillation) or a `knowledge_cache`')
        if teacher is not None and self.cache is None:
            self.teacher = _build(teacher, 'teacher')
            if _head_classes(self.teacher, 'teacher') != num_classes:
                raise ValueError(
                    f'teacher predicts {self.teacher.cls_head.num_classes} '
                    f'classes but the student {num_classes}')
            if teacher_ckpt is not None:
                self._load_teacher(teacher_ckpt)
            elif isinstance(teacher, dict):
                raise ValueError('a teacher given as a config needs '
                                 '`teacher_ckpt` (a trained SR recognizer)')
            self.teacher.requires_grad_(False)
            self.teacher.eval()

    # ----------------------------------------------------------- set-up
    def _load_teacher(self, path: str) -> None:
        meta = load_checkpoint_strict(self.teacher, path, 'teacher')
        classes = (meta.get('dataset_meta') or {}).get('classes')
        self.teacher_classes = tuple(classes) if classes else None
        self.teacher_ckpt = path
        # mmrazor: keep init_weights() from overwriting the loaded teacher
        self.teacher.is_init = True

    @staticmethod
    def _load_cache(path: str, num_classes: int) -> Dict[str, torch.Tensor]:
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'knowledge cache {path} does not exist (run '
                'tools/misc/cache_teacher.py first)')
        try:
            cache = load(path, file_format='json')
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: not a knowledge cache (malformed JSON '
                             f'at line {e.lineno}: {e.msg})') from e
        scores = cache.get('scores') if isinstance(cache, dict) else None
        if not isinstance(scores, dict) or not scores:
            raise ValueError(f'{path} is not a knowledge cache written by '
                             'tools/misc/cache_teacher.py')
        out = {}
        for key, value in scores.items():
            value = torch.as_tensor(value, dtype=torch.float32)
            if value.shape != (num_classes, ):
                raise ValueError(f'{path}: clip {key!r} has knowledge of '
                                 f'shape {tuple(value.shape)}, expected '
                                 f'({num_classes},)')
            out[str(key)] = value
        return out

    def train(self, mode: bool = True) -> 'DualResolutionRecognizer':
        """The student follows ``mode``; the teacher stays in eval."""
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()
        return self

    # --------------------------------------------------------- knowledge
    @torch.no_grad()
    def teacher_knowledge(self, data_samples: List) -> torch.Tensor:
        """Teacher probabilities ``(N, C)`` for a batch (online mode)."""
        sr_inputs = sr_inputs_of(
            data_samples, 'online distillation',
            'give the train dataset data_prefix["sr"] and pack it with '
            'PackTinyActionInputs')
        batch = self.teacher.data_preprocessor(
            dict(inputs=sr_inputs, data_samples=None), False)
        sr = batch['inputs']  # (N, views, C, T, H, W)
        logits = self.teacher(sr, mode='tensor', stage='head')
        probs = logits.float().sigmoid().view(sr.shape[0], -1,
                                              logits.shape[-1])
        return probs.mean(dim=1)

    def cached_knowledge(self, data_samples: List) -> torch.Tensor:
        """Cached teacher probabilities ``(N, C)`` of a batch, looked up by
        clip ``id``. The cache holds each video as it is stored; for a
        sample that was flipped (metainfo ``flip``), the classes of its
        ``flip_label_pairs`` are swapped, as its label was."""
        ids = [s.metainfo.get('id') for s in data_samples]
        absent = [i for i in ids if i not in self.cache]
        if absent:
            raise KeyError(f'knowledge cache has no entry for clip ids '
                           f'{absent[:5]} (rebuild it for this dataset)')
        return torch.stack([
            swap_label_pairs(self.cache[i], s.metainfo.get(
                'flip_label_pairs', ())) if s.metainfo.get('flip') else
            self.cache[i] for i, s in zip(ids, data_samples)
        ])

    # ------------------------------------------------------------ forward
    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """The student's predictions (the teacher is for training only)."""
        return self.student.predict(inputs, data_samples)

    def _forward(self, inputs: torch.Tensor):
        """The student's raw output (``mode='tensor'``)."""
        return self.student(inputs, mode='tensor')

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        """Student losses ``loss_cls`` (alpha-weighted) and ``loss_kd``."""
        if self.cache is not None:
            knowledge = self.cached_knowledge(data_samples)
        else:
            knowledge = self.teacher_knowledge(data_samples)
        for sample, k in zip(data_samples, knowledge.to(inputs.device)):
            sample.set_field(k, 'teacher_score')
        return self.student.loss(inputs, data_samples)
