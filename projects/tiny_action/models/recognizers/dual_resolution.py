"""Dual-resolution distillation (paper section 3, equation 1)."""
import copy
import json
import os.path as osp
from typing import Dict, List, Optional, Union

import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)
from torch import nn


def _build(cfg: Union[dict, nn.Module], name: str) -> BaseModel:
    model = MODELS.build(cfg) if isinstance(cfg, dict) else cfg
    if not isinstance(model, BaseModel):
        raise TypeError(f'`{name}` should be a config dict or a built '
                        f'mmengine BaseModel, but got {type(model)}')
    return model


def _head_classes(model: BaseModel, name: str) -> int:
    head = getattr(model, 'cls_head', None)
    if head is None or not hasattr(head, 'num_classes'):
        raise ValueError(f'the {name} must be a recognizer with a '
                         '`cls_head` that has `num_classes`')
    return head.num_classes


def load_checkpoint_strict(model: nn.Module, path: str, name: str,
                           prefix: str = '') -> dict:
    """Load the mmengine checkpoint ``path`` into ``model``, every key and
    shape matching; returns the checkpoint's ``meta``.

    Args:
        model (nn.Module): The module to fill.
        path (str): The checkpoint.
        name (str): What ``model`` is, for the messages (e.g. 'teacher').
        prefix (str): Load only the checkpoint's keys under ``prefix`` (e.g.
            ``'generator.'``, for a sub-module of a saved model), with the
            prefix removed. Defaults to '' (the whole checkpoint).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the checkpoint does not match ``model`` (missing,
            unexpected and mis-shaped keys are listed).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{name} checkpoint {path} does not exist '
                                f'(train the {name} first)')
    ckpt = _load_checkpoint(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    if prefix:
        state = {k[len(prefix):]: v for k, v in state.items()
                 if k.startswith(prefix)}
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shape = [k for k in set(own) & set(state)
             if own[k].shape != state[k].shape]
    if missing or unexpected or shape:
        where = f' (keys under {prefix!r})' if prefix else ''
        raise ValueError(
            f'{name} checkpoint {path}{where} does not match the {name} '
            f'architecture: {len(missing)} missing keys {missing[:3]}, '
            f'{len(unexpected)} unexpected keys {unexpected[:3]}, shape '
            f'mismatch in {sorted(shape)[:3]}')
    _load_checkpoint_to_model(model, state, strict=True)
    return ckpt.get('meta', {}) or {}


@MODELS.register_module()
class DualResolutionRecognizer(BaseModel):
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
        student_overrides (dict, optional): merged into the student config
            (as ``--cfg-options`` would), so a KD config reuses a plain
            recognizer config as the student, e.g. ``dict(cls_head=dict(
            type='KDHead', alpha=0.5), init_cfg=dict(type='Pretrained',
            type='KDHead', alpha=0.5))``.
        teacher (dict | BaseModel, optional): the SR recognizer. Required
            unless ``knowledge_cache`` is given.
        teacher_ckpt (str, optional): checkpoint of the teacher (an
            mmengine checkpoint of a plain recognizer). Required for a
            teacher given as a config.
        knowledge_cache (str, optional): JSON written by
            ``tools/misc/cache_teacher.py`` (clip id -> teacher probabilities).
        init_cfg (dict, optional): passed to ``BaseModel``.
    """

    def __init__(self,
                 student: Union[dict, BaseModel],
                 teacher: Optional[Union[dict, BaseModel]] = None,
                 student_overrides: Optional[dict] = None,
                 teacher_ckpt: Optional[str] = None,
                 knowledge_cache: Optional[str] = None,
                 student_init: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if student_overrides is not None:
            if not isinstance(student, dict):
                raise TypeError('`student_overrides` needs the student as a '
                                'config dict')
            student = Config._merge_a_into_b(
                copy.deepcopy(dict(student_overrides)),
                copy.deepcopy(dict(student)))
        student = _build(student, 'student')
        super().__init__(
            data_preprocessor=student.data_preprocessor, init_cfg=init_cfg)
        self.student = student
        self.student_init = student_init
        num_classes = _head_classes(student, 'student')
        if not hasattr(student.cls_head, 'alpha'):
            raise TypeError('the student head must be a KDHead (it receives '
                            'the teacher knowledge), got '
                            f'{type(student.cls_head).__name__}')
        self.teacher: Optional[BaseModel] = None
        self.teacher_classes: Optional[tuple] = None
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
        # mmrazor: keep init_weights() from overwriting the loaded teacher
        self.teacher._is_init = True

    @staticmethod
    def _load_cache(path: str, num_classes: int) -> Dict[str, torch.Tensor]:
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'knowledge cache {path} does not exist (run '
                'tools/misc/cache_teacher.py first)')
        try:
            with open(path) as f:
                cache = json.load(f)
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

    def init_weights(self) -> None:
        """Initialise the student (then load ``student_init``); the loaded
        teacher is left as it is."""
        super().init_weights()
        if self.student_init is not None:
            from mmengine.runner import load_checkpoint
            load_checkpoint(self.student, self.student_init,
                            map_location='cpu', strict=False)

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
        missing = [i for i, s in enumerate(data_samples)
                   if 'sr_inputs' not in s]
        if missing:
            raise KeyError(
                'online distillation needs the super-resolved clip of every '
                f'training sample, missing for samples {missing[:5]}: give '
                'the train dataset data_prefix["sr"] and pack it with '
                'PackTinyActionInputs')
        batch = self.teacher.data_preprocessor(
            dict(inputs=[s.sr_inputs for s in data_samples],
                 data_samples=None), False)
        sr = batch['inputs']  # (N, views, C, T, H, W)
        logits = self.teacher._forward(sr, stage='head')
        probs = logits.float().sigmoid().view(sr.shape[0], -1,
                                              logits.shape[-1])
        return probs.mean(dim=1)

    def cached_knowledge(self, data_samples: List) -> torch.Tensor:
        ids = [s.metainfo.get('id') for s in data_samples]
        absent = [i for i in ids if i not in self.cache]
        if absent:
            raise KeyError(f'knowledge cache has no entry for clip ids '
                           f'{absent[:5]} (rebuild it for this dataset)')
        return torch.stack([self.cache[i] for i in ids])

    # ------------------------------------------------------------ forward
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.student.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.student._forward(inputs)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        """Student losses ``loss_cls`` (alpha-weighted) and ``loss_kd``."""
        if self.cache is not None:
            knowledge = self.cached_knowledge(data_samples)
        else:
            knowledge = self.teacher_knowledge(data_samples)
        for sample, k in zip(data_samples, knowledge.to(inputs.device)):
            sample.set_field(k, 'teacher_score')
        return self.student.loss(inputs, data_samples)
