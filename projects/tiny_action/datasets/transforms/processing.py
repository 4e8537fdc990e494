"""Resize of a low-resolution clip and its super-resolved twin; synthetic
low-resolution twins of high-resolution clips; random down-scaling of a
clip (resolution augmentation); camera-noise augmentation; per-clip
standardisation of the frames."""
from numbers import Real
from typing import Dict, List, Optional, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

__all__ = [
    'PairedResize', 'SyntheticLowRes', 'RandomDownscale', 'RandomTwinSwap',
    'RandomSensorNoise', 'ClipStandardize'
]

_INTERPOLATIONS = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
    'lanczos': cv2.INTER_LANCZOS4,
}

Scale = Union[int, Tuple[int, int]]


def _check_scale(name: str, scale: Optional[Scale],
                 allow_none: bool) -> Optional[Tuple[int, int]]:
    if scale is None and allow_none:
        return None
    if isinstance(scale, int) and not isinstance(scale, bool):
        scale = (scale, scale)
    if (not isinstance(scale, (tuple, list)) or len(scale) != 2
            or not all(isinstance(s, int) and s > 0 for s in scale)):
        raise ValueError(f'`{name}` should be a positive int or a (width, '
                         f'height) pair of positive ints, but got {scale!r}.')
    return (int(scale[0]), int(scale[1]))


def _check_interpolation(name: str, value: str) -> str:
    if value not in _INTERPOLATIONS:
        raise ValueError(f'`{name}` should be one of {sorted(_INTERPOLATIONS)}'
                         f', but got {value!r}.')
    return value


def check_positive_int(owner: str, name: str, value) -> int:
    """``value`` as an int, checked to be a positive integer (a Python or
    numpy int, not a bool).

    Raises:
        ValueError: naming ``owner``'s argument ``name``.
    """
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
            or value < 1):
        raise ValueError(f'{owner}: `{name}` should be a positive int, but '
                         f'got {value!r}.')
    return int(value)


def check_probability(owner: str, name: str, value) -> float:
    """``value`` as a float, checked to be a number in [0, 1] (not a bool).

    Raises:
        ValueError: naming ``owner``'s argument ``name``.
    """
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not 0.0 <= value <= 1.0):
        raise ValueError(f'{owner}: `{name}` should be a probability in '
                         f'[0, 1], but got {value!r}.')
    return float(value)


def check_range(owner: str, name: str, value, upper: Optional[float] = None,
                upper_inclusive: bool = False) -> Tuple[float, float]:
    """``value`` as ``(min, max)`` floats, checked to be a pair of finite
    numbers (not bools) with ``0 < min <= max`` and, when ``upper`` is
    given, ``max < upper`` (``max <= upper`` if ``upper_inclusive``).

    Raises:
        ValueError: naming ``owner``'s argument ``name``.
    """
    ok = isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, Real) and not isinstance(v, (bool, np.bool_))
        and np.isfinite(v) for v in value)
    if ok:
        low, high = float(value[0]), float(value[1])
        ok = 0 < low <= high and (
            upper is None or high < upper or (upper_inclusive
                                              and high == upper))
    if not ok:
        bound = '' if upper is None else \
            f' {"<=" if upper_inclusive else "<"} {upper:g}'
        raise ValueError(f'{owner}: `{name}` should be a pair (min, max) '
                         f'with 0 < min <= max{bound}, but got {value!r}.')
    return low, high


def clip_mean(clip: np.ndarray) -> np.ndarray:
    """Mean of each channel over all frames and pixels of ``clip`` (``T x H
    x W x C``), in the clip's dtype (rounded when it is an integer type):
    the colour of a still fill that adds no motion."""
    mean = clip.reshape(-1, *clip.shape[3:]).mean(axis=0)
    if np.issubdtype(clip.dtype, np.integer):
        mean = np.rint(mean)
    return mean.astype(clip.dtype)


def _resize_frame(img: np.ndarray, size: Tuple[int, int],
                  interpolation: int) -> np.ndarray:
    """``cv2.resize`` of one ``H x W`` or ``H x W x C`` frame to ``size``
    (w, h), for any ``C``: OpenCV resizes at most 4 channels at a time with
    some interpolations (e.g. ``INTER_AREA``), so wider frames (RGB with
    motion channels) are resized 4 channels at a time."""
    w, h = size
    if img.ndim < 3 or img.shape[2] <= 4:
        out = cv2.resize(img, (w, h), interpolation=interpolation)
        # cv2 drops a trailing axis of length 1
        return out.reshape(h, w, *img.shape[2:])
    return np.concatenate([
        _resize_frame(img[..., i:i + 4], size, interpolation)
        for i in range(0, img.shape[2], 4)], axis=2)


def _resize_frames(frames: Union[List[np.ndarray], np.ndarray],
                   size: Tuple[int, int], interpolation: int) -> list:
    w, h = size
    return [img if img.shape[:2] == (h, w) else
            _resize_frame(img, size, interpolation) for img in frames]


class _FramesTransform(BaseTransform):
    """A transform of decoded frames: :meth:`transform` refuses results
    without ``imgs``, then calls :meth:`transform_frames`."""

    def transform(self, results: Dict) -> Dict:
        """Check that the frames are decoded, then transform them.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        if 'imgs' not in results:
            raise KeyError(f'{type(self).__name__} needs `imgs` (decoded '
                           'frames) in the results.')
        return self.transform_frames(results)

    def transform_frames(self, results: Dict) -> Dict:
        """Transform ``results``, which hold ``imgs``."""
        raise NotImplementedError


class _RandomClipTransform(_FramesTransform):
    """A train-time transform of a whole decoded clip, applied with
    probability ``self.prob`` (set by the subclass): an empty clip is left
    as it is, else one draw decides, and :meth:`transform_clip` gets the
    frames stacked (``T x H x W x C``). The high-resolution twin
    (``sr_imgs``) is never touched."""

    def transform_frames(self, results: Dict) -> Dict:
        """Replace ``imgs`` by :meth:`transform_clip` of them (or leave
        them: an empty clip, a draw over ``prob``, or None returned)."""
        if len(results['imgs']) == 0 or np.random.rand() >= self.prob:
            return results
        frames = self.transform_clip(np.stack(results['imgs']))
        if frames is not None:
            results['imgs'] = frames
        return results

    def transform_clip(self, clip: np.ndarray) -> Optional[List[np.ndarray]]:
        """The transformed frames of ``clip``, or None to leave it."""
        raise NotImplementedError


@TRANSFORMS.register_module()
class PairedResize(_FramesTransform):
    """Resize the low-resolution frames and the super-resolved frames, each
    to its own fixed size (aspect ratio not kept, like mmaction's
    ``Resize(scale, keep_ratio=False)``).

    Sizes are ``(width, height)`` as in mmaction's ``Resize``; an int means
    a square. Frames already at the target size are kept as they are.

    Required Keys:

        - imgs
        - sr_imgs (optional)

    Modified Keys:

        - imgs
        - img_shape
        - sr_imgs (if present and ``sr_scale`` is set)
        - sr_img_shape (if present and ``sr_scale`` is set)

    Added Keys:

        - keep_ratio (False)
        - scale_factor (``[w_ratio, h_ratio]`` of the LR clip, float32)
        - sr_scale_factor (if ``sr_imgs`` is resized)

    Args:
        scale (int | tuple[int, int]): Output ``(width, height)`` of
            ``imgs``. Defaults to ``(112, 112)``.
        sr_scale (int | tuple[int, int], optional): Output ``(width,
            height)`` of ``sr_imgs``; None leaves them as they are. Defaults
            to ``(224, 224)``.
        interpolation (str): One of ``'nearest'``, ``'bilinear'``,
            ``'bicubic'``, ``'area'``, ``'lanczos'``. Defaults to
            ``'bilinear'`` (mmaction's default).
    """

    def __init__(self,
                 scale: Scale = (112, 112),
                 sr_scale: Optional[Scale] = (224, 224),
                 interpolation: str = 'bilinear') -> None:
        self.scale = _check_scale('scale', scale, allow_none=False)
        self.sr_scale = _check_scale('sr_scale', sr_scale, allow_none=True)
        self.interpolation = _check_interpolation('interpolation',
                                                  interpolation)

    def transform_frames(self, results: Dict) -> Dict:
        """Resize ``imgs`` and, with ``sr_scale``, ``sr_imgs``."""
        interp = _INTERPOLATIONS[self.interpolation]
        h, w = results['imgs'][0].shape[:2]
        results['imgs'] = _resize_frames(results['imgs'], self.scale, interp)
        new_w, new_h = self.scale
        results['img_shape'] = (new_h, new_w)
        results['keep_ratio'] = False
        results['scale_factor'] = np.array([new_w / w, new_h / h],
                                           dtype=np.float32)

        if self.sr_scale is not None and results.get('sr_imgs') is not None:
            sh, sw = results['sr_imgs'][0].shape[:2]
            results['sr_imgs'] = _resize_frames(results['sr_imgs'],
                                                self.sr_scale, interp)
            new_sw, new_sh = self.sr_scale
            results['sr_img_shape'] = (new_sh, new_sw)
            results['sr_scale_factor'] = np.array([new_sw / sw, new_sh / sh],
                                                  dtype=np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'sr_scale={self.sr_scale}, '
                f'interpolation={self.interpolation!r})')


@TRANSFORMS.register_module()
class SyntheticLowRes(_FramesTransform):
    """Make a (low-resolution input, high-resolution target) pair from a
    high-resolution clip, on the fly: the paper's synthetic super-resolution
    pairs (TinyVIRAT, section V-A: "we down-scale and then up-scale the
    videos by using bicubic interpolation").

    The decoded frames are resized to ``hr_scale`` (``up_interpolation``)
    and become the target ``sr_imgs``; the input ``imgs`` is that target
    down-scaled by ``factor`` (``down_interpolation``, area by default: no
    aliasing), then, if ``lr_scale`` is given, resized to it
    (``up_interpolation``), e.g. up to a classifier's input size. Use it on
    HR-only datasets (no ``data_prefix['sr']``); flips before it apply to
    both.

    Required Keys:

        - imgs

    Modified Keys:

        - imgs
        - img_shape

    Added Keys:

        - sr_imgs
        - sr_img_shape

    Args:
        hr_scale (int | tuple[int, int]): ``(width, height)`` of the target.
            Defaults to ``(112, 112)``.
        factor (int): Down-scaling factor; ``hr_scale`` must be divisible by
            it. Defaults to 8 (112 -> 14 px, the paper's).
        lr_scale (int | tuple[int, int], optional): Final ``(width,
            height)`` of the input; None keeps ``hr_scale / factor``.
            Defaults to None.
        down_interpolation (str): Defaults to ``'area'``.
        up_interpolation (str): Defaults to ``'bicubic'``.
    """

    def __init__(self,
                 hr_scale: Scale = (112, 112),
                 factor: int = 8,
                 lr_scale: Optional[Scale] = None,
                 down_interpolation: str = 'area',
                 up_interpolation: str = 'bicubic') -> None:
        self.hr_scale = _check_scale('hr_scale', hr_scale, allow_none=False)
        if not isinstance(factor, int) or isinstance(factor, bool) \
                or factor < 2:
            raise ValueError(
                f'`factor` should be an int >= 2, but got {factor!r}.')
        if any(s % factor for s in self.hr_scale):
            raise ValueError(
                f'`hr_scale` {self.hr_scale} should be divisible by `factor` '
                f'{factor} (the low-resolution clip must have an integer '
                'size).')
        self.factor = factor
        self.lr_scale = _check_scale('lr_scale', lr_scale, allow_none=True)
        self.down_interpolation = _check_interpolation(
            'down_interpolation', down_interpolation)
        self.up_interpolation = _check_interpolation('up_interpolation',
                                                     up_interpolation)

    def transform_frames(self, results: Dict) -> Dict:
        """Replace ``imgs`` by the synthetic input; add ``sr_imgs``."""
        if results.get('sr_imgs') is not None:
            raise ValueError(
                'SyntheticLowRes got a clip that already has a '
                'high-resolution twin (`sr_imgs`, from data_prefix["sr"]); '
                'use it on high-resolution-only data, or use PairedResize '
                'for paired data.')
        up = _INTERPOLATIONS[self.up_interpolation]
        hr = _resize_frames(results['imgs'], self.hr_scale, up)
        w, h = self.hr_scale
        low_size = (w // self.factor, h // self.factor)
        low = _resize_frames(hr, low_size,
                             _INTERPOLATIONS[self.down_interpolation])
        if self.lr_scale is not None:
            low = _resize_frames(low, self.lr_scale, up)
        results['sr_imgs'] = hr
        results['sr_img_shape'] = (h, w)
        results['imgs'] = low
        results['img_shape'] = low[0].shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(hr_scale={self.hr_scale}, '
                f'factor={self.factor}, lr_scale={self.lr_scale}, '
                f'down_interpolation={self.down_interpolation!r}, '
                f'up_interpolation={self.up_interpolation!r})')


@TRANSFORMS.register_module()
class RandomDownscale(_FramesTransform):
    """Resolution augmentation for tiny clips: with probability ``prob``,
    down-scale every frame of the clip (``imgs``) by one random factor, so
    that its shorter side becomes a size drawn uniformly from the integers
    in ``[min_size, shorter side]`` (aspect ratio kept). A clip whose
    shorter side is at most ``min_size`` is left as it is; so is the
    high-resolution twin ``sr_imgs`` (a teacher's input).

    Use it in the train pipeline on the native frames, after the flip and
    crop and before the motion transform and the resize to the input size:
    the larger training clips are then also seen with the detail of the
    smallest clips of the data (e.g. 24 px), the regime where a recognizer
    trained on few tiny clips has the fewest examples.

    Required Keys:

        - imgs

    Modified Keys:

        - imgs
        - img_shape

    Args:
        min_size (int): The smallest shorter side drawn, in pixels.
            Defaults to 24 (the smallest TinyVIRAT / tiny_surveillance clips).
        prob (float): Probability of down-scaling a clip, in ``[0, 1]``.
            Defaults to 0.5.
        interpolation (str): Defaults to ``'area'`` (no aliasing).
    """

    def __init__(self,
                 min_size: int = 24,
                 prob: float = 0.5,
                 interpolation: str = 'area') -> None:
        if not isinstance(min_size, int) or isinstance(min_size, bool) \
                or min_size < 1:
            raise ValueError(f'RandomDownscale: `min_size` should be a '
                             f'positive int, but got {min_size!r}.')
        self.min_size = min_size
        self.prob = check_probability('RandomDownscale', 'prob', prob)
        self.interpolation = _check_interpolation('interpolation',
                                                  interpolation)

    def target_size(self, height: int, width: int) -> Tuple[int, int]:
        """A random ``(width, height)`` for a ``height x width`` clip (the
        clip's own size when it is not down-scaled)."""
        short = min(height, width)
        if short <= self.min_size or np.random.rand() >= self.prob:
            return width, height
        scale = np.random.randint(self.min_size, short + 1) / short
        return (max(1, int(round(width * scale))),
                max(1, int(round(height * scale))))

    def transform_frames(self, results: Dict) -> Dict:
        """Down-scale ``imgs`` (or leave them)."""
        if len(results['imgs']) == 0:
            return results
        h, w = results['imgs'][0].shape[:2]
        size = self.target_size(h, w)
        if size != (w, h):
            results['imgs'] = _resize_frames(
                results['imgs'], size, _INTERPOLATIONS[self.interpolation])
            results['img_shape'] = (size[1], size[0])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_size={self.min_size}, '
                f'prob={self.prob}, interpolation={self.interpolation!r})')


@TRANSFORMS.register_module()
class RandomTwinSwap(_FramesTransform):
    """Resolution augmentation from the high-resolution twins: with
    probability ``prob``, the training clip's frames (``imgs``) become its
    high-resolution twin's (``sr_imgs``: the ``hr/`` clip, or a
    super-resolved one, decoded at the same frame indices by
    ``TinyVideoDecode`` when the dataset has ``data_prefix['sr']``); the
    twin is dropped either way, so the rest of the pipeline is the
    low-resolution recognizer's. The recognizer then also learns from the
    sharp rendering of every action, and is still tested on the low-res
    clips alone.

    Use it in the train pipeline right after ``TinyVideoDecode``, before
    the flip, crop and motion transforms (they then see the chosen
    rendering at its native size).

    Required Keys:

        - imgs
        - sr_imgs

    Modified Keys:

        - imgs
        - img_shape
        - original_shape

    Removed Keys:

        - sr_imgs, sr_img_shape, sr_original_shape

    Args:
        prob (float): Probability of training on the twin, in ``[0, 1]``.
            Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5) -> None:
        self.prob = check_probability('RandomTwinSwap', 'prob', prob)

    def transform_frames(self, results: Dict) -> Dict:
        """Swap ``imgs`` for ``sr_imgs`` (or keep them); drop the twin."""
        if results.get('sr_imgs') is None:
            raise KeyError(
                f"RandomTwinSwap: the clip {results.get('filename')!r} has no "
                'high-resolution twin (`sr_imgs`); set the dataset\'s '
                "data_prefix['sr'] to the folder of the twins.")
        twin = results.pop('sr_imgs')
        shape = results.pop('sr_img_shape', None)
        original = results.pop('sr_original_shape', None)
        if np.random.rand() < self.prob:
            results['imgs'] = twin
            results['img_shape'] = tuple(shape or twin[0].shape[:2])
            results['original_shape'] = tuple(original or
                                              results['img_shape'])
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'


@TRANSFORMS.register_module()
class RandomSensorNoise(_RandomClipTransform):
    """Camera-noise augmentation: with probability ``prob``, add zero-mean
    Gaussian noise to every pixel and channel of every frame of the clip
    (``imgs``), its standard deviation drawn once for the clip, uniformly
    in ``[0, max_std]`` grey levels, each value drawn independently; the
    frames are then clipped to ``[0, 255]`` and, when they are integers (as
    decoded), rounded and given back their dtype. The high-resolution twin
    (``sr_imgs``, a teacher's input) is left as it is.

    Noise independent from frame to frame is what a noisy camera or a
    heavily compressed stream adds to a still scene: every pixel changes by
    about ``1.13 * std`` grey levels between frames, a floor under the
    motion energy (``SegmentMotion``) that names the camera, not the
    action. Use it in the train pipeline on the native frames, after the
    flip and crop and before the motion transform, so that the network
    sees each training clip under several cameras' noise. An empty clip is
    left as it is.

    Required Keys:

        - imgs

    Modified Keys:

        - imgs

    Args:
        max_std (float): The largest standard deviation drawn, in grey
            levels, non-negative. Defaults to 2.5 (a floor of about 2.8
            grey levels, as in the noisiest tiny_surveillance train clips,
            whose median frame-to-frame change reaches 3).
        prob (float): Probability of adding noise to a clip, in
            ``[0, 1]``. Defaults to 0.5.
    """

    def __init__(self, max_std: float = 2.5, prob: float = 0.5) -> None:
        if isinstance(max_std, (bool, np.bool_)) \
                or not isinstance(max_std, Real) \
                or not np.isfinite(max_std) or max_std < 0:
            raise ValueError('RandomSensorNoise: `max_std` should be a '
                             'finite non-negative number of grey levels, '
                             f'but got {max_std!r}.')
        self.max_std = float(max_std)
        self.prob = check_probability('RandomSensorNoise', 'prob', prob)

    def add_noise(self, frames: Union[List[np.ndarray], np.ndarray],
                  std: float) -> List[np.ndarray]:
        """``frames`` with noise of standard deviation ``std`` added,
        clipped to ``[0, 255]``, in their dtype (rounded if integer)."""
        clip = np.stack(frames)
        noisy = clip.astype(np.float32) + np.random.normal(
            0.0, std, clip.shape).astype(np.float32)
        np.clip(noisy, 0, 255, out=noisy)
        if np.issubdtype(clip.dtype, np.integer):
            noisy = np.rint(noisy).astype(clip.dtype)
        return list(noisy)

    def transform_clip(self, clip: np.ndarray) -> List[np.ndarray]:
        """``clip`` with noise of a std drawn in ``[0, max_std]``."""
        return self.add_noise(clip, np.random.uniform(0.0, self.max_std))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_std={self.max_std}, '
                f'prob={self.prob})')


@TRANSFORMS.register_module()
class RandomClipErasing(_RandomClipTransform):
    """Occlusion augmentation, random erasing (Zhong et al., 2020) for a
    clip: with probability ``prob``, one rectangle of the frame is filled
    in every frame of the clip (``imgs``) with the clip's mean of each
    channel, the same rectangle in all frames, so that the erased region
    shows neither the scene nor any motion (its frame-to-frame change is
    0). The rectangle's area is drawn uniformly in ``area_range`` (a
    fraction of the frame) and its aspect ratio (width / height)
    log-uniformly in ``aspect_range``; a draw that does not fit the frame
    is drawn again, up to 10 times, after which the clip is left as it is.
    The frames keep their dtype. The high-resolution twin (``sr_imgs``, a
    teacher's input) is left as it is.

    Surveillance actions are seen behind poles, cars and passers-by, and a
    network fitted to few cameras can rest on one region of the scene. Use
    it in the train pipeline on the native frames, after the flip and crop
    and before the motion transform (``SegmentMotion``), so that the motion
    energy sees the occlusion. An empty clip is left as it is.

    Required Keys:

        - imgs

    Modified Keys:

        - imgs

    Args:
        prob (float): Probability of erasing a rectangle of a clip, in
            ``[0, 1]``. Defaults to 0.5.
        area_range (tuple[float, float]): Range of the rectangle's area as
            a fraction of the frame, ``0 < min <= max < 1``. Defaults to
            ``(0.02, 0.25)``.
        aspect_range (tuple[float, float]): Range of the rectangle's width
            over its height, ``0 < min <= max``. Defaults to ``(0.3, 3.3)``.
    """

    #: draws of a rectangle before a clip is left as it is.
    ATTEMPTS = 10

    def __init__(self,
                 prob: float = 0.5,
                 area_range: Tuple[float, float] = (0.02, 0.25),
                 aspect_range: Tuple[float, float] = (0.3, 3.3)) -> None:
        self.prob = check_probability('RandomClipErasing', 'prob', prob)
        self.area_range = check_range('RandomClipErasing', 'area_range',
                                      area_range, 1.0)
        self.aspect_range = check_range('RandomClipErasing', 'aspect_range',
                                        aspect_range)

    def draw_box(self, h: int, w: int) -> Optional[Tuple[int, int, int,
                                                         int]]:
        """A random rectangle ``(top, left, height, width)`` of an ``h x w``
        frame, or None when no draw fitted."""
        log_aspect = np.log(self.aspect_range)
        for _ in range(self.ATTEMPTS):
            area = np.random.uniform(*self.area_range) * h * w
            aspect = np.exp(np.random.uniform(*log_aspect))
            eh = int(round(np.sqrt(area / aspect)))
            ew = int(round(np.sqrt(area * aspect)))
            if 0 < eh < h and 0 < ew < w:
                return (np.random.randint(0, h - eh + 1),
                        np.random.randint(0, w - ew + 1), eh, ew)
        return None

    def transform_clip(self, clip: np.ndarray
                       ) -> Optional[List[np.ndarray]]:
        """``clip`` with one rectangle erased, None when none fitted."""
        box = self.draw_box(*clip.shape[1:3])
        if box is None:
            return None
        top, left, eh, ew = box
        clip[:, top:top + eh, left:left + ew] = clip_mean(clip)
        return list(clip)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'area_range={self.area_range}, '
                f'aspect_range={self.aspect_range})')


@TRANSFORMS.register_module()
class RandomZoomOut(_RandomClipTransform):
    """Zoom-out augmentation: with probability ``prob``, shrink every frame
    of the clip (``imgs``) by one factor drawn uniformly in
    ``scale_range`` (area interpolation, aspect ratio kept) and paste it at
    one random place, the same in all frames, on a canvas of the frame's
    size filled with the clip's mean of each channel. The frames keep their
    size and dtype; the canvas around the clip is still, so it adds no
    motion. The high-resolution twin (``sr_imgs``, a teacher's input) is
    left as it is.

    ``RandomResizedCrop`` only zooms in (the action fills more of the
    frame); this is the other direction, the action seen smaller, as by a
    camera farther away. Use it in the train pipeline on the native frames,
    after the flip and crop and before the motion transform. An empty clip
    is left as it is.

    Required Keys:

        - imgs

    Modified Keys:

        - imgs

    Args:
        prob (float): Probability of zooming out of a clip, in ``[0, 1]``.
            Defaults to 0.5.
        scale_range (tuple[float, float]): Range of the factor applied to
            the frame's sides, ``0 < min <= max <= 1``. Defaults to
            ``(0.6, 1.0)`` (down to 36% of the frame's area).
    """

    def __init__(self,
                 prob: float = 0.5,
                 scale_range: Tuple[float, float] = (0.6, 1.0)) -> None:
        self.prob = check_probability('RandomZoomOut', 'prob', prob)
        self.scale_range = check_range('RandomZoomOut', 'scale_range',
                                       scale_range, 1.0, upper_inclusive=True)

    def transform_clip(self, clip: np.ndarray) -> List[np.ndarray]:
        """``clip`` shrunk by a random factor onto a still canvas."""
        h, w = clip.shape[1:3]
        scale = np.random.uniform(*self.scale_range)
        sw, sh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
        top = np.random.randint(0, h - sh + 1)
        left = np.random.randint(0, w - sw + 1)
        canvas = np.empty_like(clip)
        canvas[...] = clip_mean(clip)
        canvas[:, top:top + sh, left:left + sw] = np.stack(_resize_frames(
            clip, (sw, sh), cv2.INTER_AREA))
        return list(canvas)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'scale_range={self.scale_range})')


@TRANSFORMS.register_module()
class ClipStandardize(_FramesTransform):
    """Per-clip standardisation of the frames: every channel of the clip
    (``imgs``) is shifted and scaled so that its mean and standard
    deviation over all frames and pixels become ``mean`` and ``std``.

    Surveillance cameras differ in brightness and contrast (on the
    tiny_surveillance train clips the per-clip standard deviation of a
    channel ranges from 21 to 88 grey levels). After this transform the
    same motion gives the same frame differences whatever the camera's
    contrast, and the defaults (the train clips' average per-clip mean and
    standard deviation) keep the value range that the data preprocessor's
    statistics were measured on. Use it right after decoding, so that the
    statistics are those of the whole clip, in training and test alike. The
    super-resolved twin (``sr_imgs``) is standardised with its own
    statistics. Frames are ``H x W x C`` (each channel on its own) or grey
    ``H x W`` (one statistic for the clip). A channel whose standard
    deviation is below :attr:`FLAT` grey levels (no variation; after
    decoding to integers, exactly none) is only shifted. An empty clip is
    left as it is.

    Required Keys:

        - imgs
        - sr_imgs (optional)

    Modified Keys:

        - imgs (float32 frames, unless the clip is empty)
        - sr_imgs (the same, if present)

    Args:
        mean (float): Target mean of every channel. Defaults to 110.0.
        std (float): Target standard deviation of every channel, positive.
            Defaults to 51.0.
    """

    #: a channel with a smaller standard deviation counts as flat.
    FLAT = 1e-3

    def __init__(self, mean: float = 110.0, std: float = 51.0) -> None:
        for name, value in (('mean', mean), ('std', std)):
            if isinstance(value, (bool, np.bool_)) \
                    or not isinstance(value, Real) or not np.isfinite(value):
                raise ValueError(f'ClipStandardize: `{name}` should be a '
                                 f'finite number, but got {value!r}.')
        if std <= 0:
            raise ValueError(f'ClipStandardize: `std` should be positive, '
                             f'but got {std!r}.')
        self.mean = float(mean)
        self.std = float(std)

    def standardize(self, frames: Union[List[np.ndarray], np.ndarray]
                    ) -> List[np.ndarray]:
        """``frames`` (``H x W x C`` or ``H x W`` each, all the same shape)
        standardised with the clip's statistics, per channel over all frames
        and pixels, as a list of float32 frames."""
        clip = np.stack(frames).astype(np.float32, copy=False)
        axes = tuple(range(clip.ndim - 1)) if clip.ndim > 3 else None
        mu = clip.mean(axis=axes)
        sigma = clip.std(axis=axes)
        flat = sigma < self.FLAT
        scale = np.where(flat, 1.0, self.std / np.where(flat, 1.0, sigma))
        # float32 throughout: no further copy of the clip
        return list((clip - mu) * scale.astype(np.float32)
                    + np.float32(self.mean))

    def transform_frames(self, results: Dict) -> Dict:
        """Standardise ``imgs`` (and ``sr_imgs``)."""
        for key in ('imgs', 'sr_imgs'):
            if results.get(key) is not None and len(results[key]):
                results[key] = self.standardize(results[key])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(mean={self.mean}, '
                f'std={self.std})')
