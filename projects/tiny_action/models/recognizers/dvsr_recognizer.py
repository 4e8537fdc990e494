"""The TinyVIRAT method: DVSR super-resolution chained with an action
classifier, with the three training stages of section IV."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import nn

from ..losses.dvsr_losses import attention_l1_norm, attention_weighted_l1
from ..super_resolution.dvsr import resize_video
from .dual_resolution import load_checkpoint_strict
from .common import ModeDispatchModel, sr_inputs_of

__all__ = ['DVSRRecognizer']

STAGES = ('sr', 'joint', 'cls')


def _build_optional(cfg: Optional[Union[dict, nn.Module]],
                    name: str) -> Optional[nn.Module]:
    if cfg is None or isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'`{name}` should be a config dict, a built module or '
                        f'None, but got {type(cfg).__name__}')
    return MODELS.build(cfg)


@MODELS.register_module()
class DVSRRecognizer(ModeDispatchModel):
    """DVSR (+ foreground attention) -> action classifier, end to end.

    The low-resolution clip (``inputs``, scaled to [0, 1] by this model's
    data preprocessor) is super-resolved by the generator; the classifier (an
    mmaction recognizer, e.g. I3D) sees the result, normalised with the
    classifier's own data-preprocessor mean / std. The high-resolution
    target is the clip's twin ``data_sample.sr_inputs`` (uint8, packed by
    ``PackTinyActionInputs`` from a paired dataset or ``SyntheticLowRes``),
    area-downscaled to the generator's output size at its current growth
    step.

    Stages (``stage``), as in section IV of the paper:

    * ``'sr'`` (stage 1, progressive or end-to-end SR pre-training):
      ``loss_rec`` = ``lambda_rec * L_rec`` with ``F_att = 1`` (equation 1).
      Predict writes ``pred_sr`` and ``gt_sr`` for ``SRQualityMetric``.
    * ``'joint'`` (stage 2, equation 3): ``loss_rec = lambda_rec * L_rec``
      weighted by the attention map (detached: the map weights the
      reconstruction, which alone would only push it to zero), ``att.*`` =
      ``lambda_att`` times the classifier's losses on ``SR * F_att`` (its
      head's loss: BCE for multi-label, CE for single-label), and
      ``loss_att_l1 = lambda_att * lambda_sparse * mean|F_att|``; their sum
      is equation 3 with equation 2 inside. Generator, attention and
      classifier are trained; validation classifies ``SR * F_att``.
    * ``'cls'`` (equation 4): the classifier is trained on ``G(LR)``
      without the attention branch; the generator is frozen (clamped [0, 1]
      outputs, eval mode, no gradient) unless ``train_generator=True``.
      Test runs DVSR and classifier end to end.

    With ``generator=None`` the "super-resolution" is bicubic up-sampling by
    ``scale`` (the paper's "w/o DVSR" row; in stage ``'sr'`` it gives the
    bicubic PSNR / SSIM).

    Args:
        generator (dict | nn.Module, optional): The ``DVSR``. Defaults to
            None (bicubic).
        classifier (dict | nn.Module, optional): An mmaction recognizer;
            required by ``'joint'`` and ``'cls'``.
        attention (dict | nn.Module, optional): ``ForegroundAttention``;
            required by ``'joint'``.
        stage (str): ``'sr'``, ``'joint'`` or ``'cls'``. Defaults to
            ``'sr'``.
        scale (int, optional): Up-scaling of the bicubic stand-in; only with
            ``generator=None``.
        lambda_rec (float): Weight of the reconstruction loss. Defaults to
            1.0 (the paper's).
        lambda_att (float): Weight of the attention loss. Defaults to 0.5
            (the paper's).
        lambda_sparse (float, optional): Weight of the L1 penalty inside
            equation 2; the paper uses ``lambda_att`` there. Defaults to
            None (= ``lambda_att``).
        train_generator (bool, optional): Train the generator. Defaults to
            None: True in ``'sr'`` and ``'joint'``, False in ``'cls'``.
        generator_ckpt (str, optional): A checkpoint of a ``DVSRRecognizer``
            (stage 1 or 2) whose ``generator.`` weights are loaded, strictly,
            by :meth:`init_weights` (growth step and alpha included).
        classifier_init (str, optional): Checkpoint of the classifier (e.g.
            Kinetics-400 I3D), or of a ``DVSRRecognizer`` (its
            ``classifier.`` weights), loaded non-strictly (a head of another
            size is left initialised) by :meth:`init_weights`.
        data_preprocessor (dict, optional): Defaults to an
            ``ActionDataPreprocessor`` that only scales to [0, 1] (NCTHW).
        init_cfg (dict, optional): Passed to ``BaseModel``.
    """

    def __init__(self,
                 generator: Optional[Union[dict, nn.Module]] = None,
                 classifier: Optional[Union[dict, nn.Module]] = None,
                 attention: Optional[Union[dict, nn.Module]] = None,
                 stage: str = 'sr',
                 scale: Optional[int] = None,
                 lambda_rec: float = 1.0,
                 lambda_att: float = 0.5,
                 lambda_sparse: Optional[float] = None,
                 train_generator: Optional[bool] = None,
                 generator_ckpt: Optional[str] = None,
                 classifier_init: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(
                type='ActionDataPreprocessor', mean=[0.0, 0.0, 0.0],
                std=[255.0, 255.0, 255.0], format_shape='NCTHW')
        super().__init__(
            data_preprocessor=MODELS.build(data_preprocessor),
            init_cfg=init_cfg)
        if stage not in STAGES:
            raise ValueError(f'`stage` should be one of {STAGES}, but got '
                             f'{stage!r}')
        self.stage = stage
        self.generator = _build_optional(generator, 'generator')
        self.classifier = _build_optional(classifier, 'classifier')
        self.attention = _build_optional(attention, 'attention')
        self.scale = self._check_parts(scale)
        self.lambda_rec = float(lambda_rec)
        self.lambda_att = float(lambda_att)
        self.lambda_sparse = float(
            lambda_att if lambda_sparse is None else lambda_sparse)
        if train_generator is None:
            train_generator = stage != 'cls'
        if train_generator and self.generator is None:
            train_generator = False
        if stage in ('sr', 'joint') and not train_generator \
                and self.generator is not None:
            raise ValueError(f'stage {stage!r} trains the generator; '
                             '`train_generator=False` leaves nothing to learn')
        self.train_generator = bool(train_generator)
        if self.generator is not None and not self.train_generator:
            self.generator.requires_grad_(False)
        self.generator_ckpt = generator_ckpt
        self.classifier_init = classifier_init

    # ----------------------------------------------------------- set-up
    def _check_parts(self, scale: Optional[int]) -> int:
        """Check that the stage has the parts it needs; returns the scale."""
        if self.stage in ('joint', 'cls') and self.classifier is None:
            raise ValueError(f'stage {self.stage!r} needs a `classifier`')
        if self.classifier is not None and not hasattr(
                self.classifier, 'cls_head'):
            raise TypeError('`classifier` should be an mmaction recognizer '
                            'with a `cls_head`, got '
                            f'{type(self.classifier).__name__}')
        if self.stage == 'joint':
            if self.generator is None or self.attention is None:
                raise ValueError('stage "joint" needs a `generator` (DVSR) '
                                 'and an `attention` branch')
            if self.attention.in_channels != self.generator.mid_channels:
                raise ValueError(
                    f'the attention branch takes {self.attention.in_channels}'
                    ' channels but the generator encoder gives '
                    f'{self.generator.mid_channels}')
        if self.generator is None:
            if not isinstance(scale, int) or scale < 1:
                raise ValueError('without a generator, give the bicubic '
                                 f'`scale` (an int >= 1), got {scale!r}')
            return scale
        if scale is not None and scale != self.generator.scale:
            raise ValueError(f'`scale`={scale} disagrees with the generator '
                             f'(x{self.generator.scale}); leave it unset')
        return self.generator.scale

    def init_weights(self) -> None:
        """Initialise, then load ``generator_ckpt`` and ``classifier_init``.

        Raises:
            ValueError: in stages ``'joint'`` / ``'cls'``, the loaded
                generator has not finished growing (its checkpoint is from
                the middle of progressive training).
        """
        super().init_weights()
        if self.generator_ckpt is not None:
            if self.generator is None:
                raise ValueError('`generator_ckpt` given without a generator')
            load_checkpoint_strict(self.generator, self.generator_ckpt,
                                   'generator', prefix='generator.')
            self.generator.is_init = True
        if self.classifier_init is not None:
            self._load_classifier_init()
        self.check_generator_complete()

    def _load_classifier_init(self) -> None:
        """Non-strict load of ``classifier_init`` (only the ``classifier.``
        weights of a DVSRRecognizer checkpoint)."""
        from mmengine.logging import MMLogger
        from mmengine.runner import CheckpointLoader
        from mmengine.runner.checkpoint import load_state_dict
        ckpt = CheckpointLoader.load_checkpoint(self.classifier_init,
                                                map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        prefix = 'classifier.'
        if any(k.startswith(prefix) for k in state):
            state = {k[len(prefix):]: v for k, v in state.items()
                     if k.startswith(prefix)}
        load_state_dict(self.classifier, state, strict=False,
                        logger=MMLogger.get_current_instance())

    def check_generator_complete(self) -> None:
        """Stages 'joint' and 'cls' need the fully grown generator."""
        gen = self.generator
        if self.stage == 'sr' or gen is None:
            return
        if gen.current_step != gen.num_steps or float(gen.alpha) < 1:
            raise ValueError(
                f'stage {self.stage!r} needs the fully grown DVSR (step '
                f'{gen.num_steps}, alpha 1), but the generator is at step '
                f'{gen.current_step} with alpha {float(gen.alpha):.3f}: '
                f'finish its progressive training first'
                + (f' ({self.generator_ckpt})' if self.generator_ckpt else ''))

    def train(self, mode: bool = True) -> 'DVSRRecognizer':
        """A frozen generator stays in eval mode."""
        super().train(mode)
        if self.generator is not None and not self.train_generator:
            self.generator.eval()
        return self

    # ------------------------------------------------------- the pieces
    @staticmethod
    def _flatten(inputs: torch.Tensor) -> torch.Tensor:
        if inputs.ndim == 5:
            return inputs
        if inputs.ndim != 6:
            raise ValueError('expected (N, views, C, T, H, W) clips, got '
                             f'{tuple(inputs.shape)}')
        return inputs.reshape((-1, ) + inputs.shape[2:])

    def super_resolve(self, lr: torch.Tensor,
                      with_attention: bool = False) -> Dict[str, torch.Tensor]:
        """``sr`` (and, with ``with_attention``, the encoder's ``att`` map)
        for ``(N, C, T, h, w)`` clips in [0, 1].

        A frozen generator runs without gradient and its output is clamped
        to [0, 1]; a trained one is not clamped (gradients at the bounds).
        """
        if self.generator is None:
            t, h, w = lr.shape[2:]
            return dict(sr=resize_video(
                lr, (t, h * self.scale, w * self.scale)).clamp(0, 1))
        if not self.train_generator:
            with torch.no_grad():
                return dict(sr=self.generator(lr).clamp(0, 1))
        if not with_attention:
            return dict(sr=self.generator(lr))
        sr, feats = self.generator(lr, return_features=True)
        return dict(sr=sr, att=self.attention(feats, sr.shape[2:]))

    def hr_target(self, data_samples: Sequence, size: Sequence[int],
                  device: torch.device) -> torch.Tensor:
        """The samples' HR twins in [0, 1], ``(N * views, C, T, H, W)``,
        area-downscaled to ``size = (T, H, W)``.

        Raises:
            KeyError: a sample has no ``sr_inputs``.
            ValueError: the twin is smaller than ``size``.
        """
        hr = torch.stack(sr_inputs_of(
            data_samples, 'super-resolution training',
            'give the dataset data_prefix["sr"] (paired clips) or add '
            'SyntheticLowRes to the pipeline (HR-only clips)')).to(device)
        hr = self._flatten(hr.float() / 255.0)
        size = tuple(int(s) for s in size)
        if any(a < b for a, b in zip(hr.shape[2:], size)):
            raise ValueError(
                f'the high-resolution twin is {tuple(hr.shape[2:])} (T, H, W)'
                f' but the super-resolved video is {size}: the twin must be '
                'at least as large (set sr_scale / hr_scale in the pipeline '
                'to the generator input size times its scale)')
        if tuple(hr.shape[2:]) != size:
            hr = F.adaptive_avg_pool3d(hr, size)
        return hr

    def classifier_input(self, video: torch.Tensor,
                         num_views: int) -> torch.Tensor:
        """``(N, views, C, T, H, W)`` from ``(N * views, C, T, H, W)`` videos
        in [0, 1], normalised like the classifier's data preprocessor
        (mean / std in 0-255 units)."""
        pre = self.classifier.data_preprocessor
        if getattr(pre, 'mean', None) is not None:
            video = (video * 255.0 - pre.mean) / pre.std
        return video.view((-1, num_views) + video.shape[1:])

    # ----------------------------------------------------------- forward
    def _forward(self, inputs: torch.Tensor):
        """The super-resolved video (stage ``'sr'``) or the classifier's raw
        output (``mode='tensor'``)."""
        sr = self.super_resolve(self._flatten(inputs))['sr']
        if self.stage == 'sr':
            return sr
        return self.classifier(
            self.classifier_input(sr, inputs.shape[1]), mode='tensor')

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        """The losses of the current stage (see the class doc)."""
        lr = self._flatten(inputs)
        views = inputs.shape[1] if inputs.ndim == 6 else 1
        if self.stage == 'cls':
            sr = self.super_resolve(lr)['sr']
            return self.classifier.loss(self.classifier_input(sr, views),
                                        data_samples)
        if self.generator is None:
            raise ValueError('stage "sr" without a generator has nothing to '
                             'train (bicubic is only for evaluation)')
        out = self.super_resolve(lr, with_attention=self.stage == 'joint')
        sr = out['sr']
        hr = self.hr_target(data_samples, sr.shape[2:], sr.device)
        att = out.get('att')
        weight = None if att is None else att.detach()
        losses = dict(loss_rec=self.lambda_rec *
                      attention_weighted_l1(sr, hr, weight))
        if self.stage == 'joint':
            cls_losses = self.classifier.loss(
                self.classifier_input(sr * att, views), data_samples)
            for key, value in cls_losses.items():
                losses['att.' + key] = (self.lambda_att * value
                                        if 'loss' in key else value)
            losses['loss_att_l1'] = (self.lambda_att * self.lambda_sparse *
                                     attention_l1_norm(att))
        return losses

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Stage 'sr': ``pred_sr`` (and ``gt_sr`` when the twin is there) per
        sample, ``(views, C, T, H, W)`` in [0, 1]. Otherwise the
        classifier's predictions (``pred_score``) on the SR clip (times the
        attention map in stage 'joint')."""
        lr = self._flatten(inputs)
        views = inputs.shape[1] if inputs.ndim == 6 else 1
        out = self.super_resolve(lr, with_attention=self.stage == 'joint')
        sr = out['sr']
        if self.stage != 'sr':
            if 'att' in out:
                sr = sr * out['att']
            return self.classifier.predict(self.classifier_input(sr, views),
                                           data_samples)
        sr = sr.clamp(0, 1)
        has_hr = all('sr_inputs' in s for s in data_samples)
        hr = (self.hr_target(data_samples, sr.shape[2:], sr.device)
              if has_hr else None)
        shape = (len(data_samples), views) + sr.shape[1:]
        for i, sample in enumerate(data_samples):
            sample.set_field(sr.view(shape)[i].detach(), 'pred_sr')
            if hr is not None:
                sample.set_field(hr.view(shape)[i], 'gt_sr')
        return data_samples
