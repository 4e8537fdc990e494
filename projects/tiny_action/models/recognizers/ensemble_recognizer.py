"""A deep ensemble in one model: several independently initialised 3D
recognizers trained side by side, scored as the mean of their
probabilities."""
import copy
from typing import List, Tuple

import torch
from mmaction.models import Recognizer3D
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, SampleList
from mmengine.model import ModuleDict, ModuleList
from torch import nn


@MODELS.register_module()
class EnsembleRecognizer3D(Recognizer3D):
    """``members`` copies of a ``Recognizer3D``'s backbone and head, each
    with its own initialisation, trained on the same batches and tested as
    the mean of their per-class probabilities (paper section 4's model
    ensemble, in one run of ``tools/train.py``).

    Member 0 is the usual ``backbone`` / ``cls_head``, so its weights load
    into a plain ``Recognizer3D`` of the same config; members 1 and on are
    ``extra_members[i - 1]`` (``backbone`` and ``cls_head`` each).

    Training: the loss is the sum of the members' own losses, logged per
    member (``m0.loss_cls``, ``m1.loss_cls``, ...), so each member gets the
    gradient it would get alone; only an optimizer wrapper's ``clip_grad``
    sees their joint norm. Test: each member's head scores the views of a
    sample as it would alone (its ``average_clips``), ``member_scores``
    keeps each member's scores and ``pred_score`` is their mean; the scores
    must be probabilities (heads such as ``ASLHead``; a softmax head's are
    too).

    Args:
        backbone (dict): Config of each member's backbone.
        cls_head (dict): Config of each member's head.
        members (int): Number of members, at least 1 (1 is a
            ``Recognizer3D``). Defaults to 2.
        **kwargs: ``train_cfg``, ``test_cfg``, ``data_preprocessor`` as for
            ``Recognizer3D``; neither a ``neck`` nor ``test_cfg``'s
            ``max_testing_views`` is supported.

    Raises:
        ValueError: ``members`` below 1, a ``neck`` or
            ``max_testing_views`` given.
    """

    def __init__(self,
                 backbone: ConfigType,
                 cls_head: ConfigType,
                 members: int = 2,
                 **kwargs) -> None:
        if not isinstance(members, int) or members < 1:
            raise ValueError(f'{type(self).__name__}: members should be an '
                             f'integer of at least 1, got {members!r}')
        if kwargs.get('neck') is not None:
            raise ValueError(f'{type(self).__name__} does not support a '
                             f"neck, got {kwargs['neck']!r}")
        if (kwargs.get('test_cfg') or {}).get('max_testing_views'):
            raise ValueError(f'{type(self).__name__} does not support '
                             "test_cfg's max_testing_views")
        super().__init__(backbone=backbone, cls_head=cls_head, **kwargs)
        self.members = members
        # mmengine's containers, so that init_weights reaches the members
        self.extra_members = ModuleList(
            ModuleDict(dict(backbone=MODELS.build(backbone),
                            cls_head=MODELS.build(cls_head)))
            for _ in range(members - 1))

    def member_pairs(self) -> List[Tuple[nn.Module, nn.Module]]:
        """``(backbone, cls_head)`` of every member, member 0 first."""
        return [(self.backbone, self.cls_head)] + [
            (m['backbone'], m['cls_head']) for m in self.extra_members]

    @staticmethod
    def member_features(backbone: nn.Module,
                        inputs: torch.Tensor) -> torch.Tensor:
        """``backbone``'s features of ``inputs`` of shape
        ``(N, views, C, T, H, W)``, the views flattened into the batch as
        ``Recognizer3D`` does."""
        return backbone(inputs.reshape((-1, ) + inputs.shape[2:]))

    def loss(self, inputs: torch.Tensor, data_samples: SampleList,
             **kwargs) -> dict:
        """Every member's losses, keys prefixed ``m<i>.``."""
        losses = dict()
        for i, (backbone, head) in enumerate(self.member_pairs()):
            member = head.loss(self.member_features(backbone, inputs),
                               data_samples)
            losses.update({f'm{i}.{k}': v for k, v in member.items()})
        return losses

    def predict(self, inputs: torch.Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """``data_samples`` with ``pred_score`` the mean of the members'
        ``pred_score`` and ``member_scores`` each member's, shape
        ``(members, num_classes)`` (kept in ``tools/test.py --dump``); each
        member predicts on its own copy of the samples."""
        scores = []
        for backbone, head in self.member_pairs():
            samples = head.predict(
                self.member_features(backbone, inputs),
                copy.deepcopy(data_samples))
            scores.append(torch.stack([s.pred_score for s in samples]))
        for sample, member in zip(data_samples, torch.stack(scores, dim=1)):
            sample.set_pred_score(member.mean(0))
            sample.set_field(member, 'member_scores')
        return data_samples

    def _forward(self, inputs: torch.Tensor,
                 stage: str = 'backbone') -> Tuple[torch.Tensor, ...]:
        """Every member's features (``stage='backbone'``) or logits
        (``stage='head'``), member 0 first."""
        if stage not in ('backbone', 'head'):
            raise ValueError(f"stage should be 'backbone' or 'head', got "
                             f'{stage!r}')
        outputs = []
        for backbone, head in self.member_pairs():
            feats = self.member_features(backbone, inputs)
            outputs.append(head(feats) if stage == 'head' else feats)
        return tuple(outputs)
