"""The embedded demo dataset: tiny synthetic surveillance actions.

Deterministic (a seed fixes every pixel) and generated in seconds. Each clip
shows one actor (a person or a vehicle) on a textured static background,
rendered once at high resolution (``hr_size``, default 128 px) and once as
its surveillance-like low-resolution twin (16-64 px, blurred, noisy) with
the *same frames*. Labels follow the rendered motion, so they can be learnt:

================  ============================================  ========
class             what is drawn                                  share
================  ============================================  ========
walking           person translating slowly, legs swinging       ~40 %
standing          person still                                   ~30 %
carrying          a bright box held beside the body              co-occurs
running           person translating fast, fast leg swing        ~12 %
waving            an arm swinging up and down                    co-occurs
vehicle_moving    a car translating                              ~8 %
jumping           person bouncing vertically                     ~6 %
falling           person tipping over during the clip            ~4 %
================  ============================================  ========

``carrying`` co-occurs with walking/standing, ``waving`` with standing
(multi-label). Direction (left/right) is random and not a label, so a
horizontal flip keeps the labels valid (data balance by flipping).

Layout written under ``out_dir`` (the layout of the real TinyVIRAT-v2):
``videos/{train,val,test}/<video_id>/<id>.mp4`` (low-res),
``videos_hr/...`` (high-res twins, same relative paths),
``tiny_{train,val,test}_v2.json``, ``class_map.json`` and ``groups.json``
(the mutually exclusive classes, for the ensemble's post-processing). The test split
keeps its labels so the demo can score it.
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from tiny_action.utils.fileio import write_json_atomic
from tiny_action.datasets.annotations import read_annotation_entries
from tiny_action.utils.video_io import write_video_atomic

CLASSES = ('walking', 'standing', 'carrying', 'running', 'waving',
           'vehicle_moving', 'jumping', 'falling')
#: primary motion -> probability
_MOTIONS = (('walking', 0.40), ('standing', 0.30), ('running', 0.12),
            ('vehicle_moving', 0.08), ('jumping', 0.06), ('falling', 0.04))
SPLITS = (('train', 240), ('val', 60), ('test', 60))
VERSION = 2  # bump when rendering or encoding changes: invalidates existing demo data
# (2: videos encoded without x264 mbtree, byte-identical in every run)


def sample_labels(rng: np.random.Generator) -> List[str]:
    """Draw a multi-label annotation: one motion plus co-occurring extras."""
    names, probs = zip(*_MOTIONS)
    motion = names[rng.choice(len(names), p=np.array(probs) / sum(probs))]
    labels = [motion]
    if motion in ('walking', 'standing') and rng.random() < 0.35:
        labels.append('carrying')
    if motion == 'standing' and rng.random() < 0.35:
        labels.append('waving')
    return labels


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    low = rng.integers(40, 200, size=(4, 4, 3)).astype(np.float32)
    bg = cv2.resize(low, (size, size), interpolation=cv2.INTER_CUBIC)
    bg = 0.5 * bg + 0.5 * bg.mean(axis=2, keepdims=True)  # desaturate
    bg += rng.normal(0, 6, size=(size, size, 3))
    # a road / wall edge for some structure
    y = int(rng.integers(size // 2, size - 8))
    bg[y:y + 3] *= 0.6
    return np.clip(bg, 0, 255)


def _draw_person(img, x, y, t, labels, color, s, tilt):
    body_h, body_w = int(13 * s), int(5 * s)
    speed = 0.9 if 'running' in labels else 0.35
    moving = 'walking' in labels or 'running' in labels
    swing = np.sin(t * speed * 2) * (0.5 if moving else 0.0)
    cx, cy = int(x), int(y)
    cv2.ellipse(img, (cx, cy), (body_w, body_h), tilt, 0, 360, color, -1)
    ang = np.deg2rad(tilt)
    hx = int(cx + np.sin(ang) * (body_h + 4 * s))
    hy = int(cy - np.cos(ang) * (body_h + 4 * s))
    cv2.circle(img, (hx, hy), int(4 * s), (230, 190, 160), -1)
    if tilt < 30:  # legs while upright
        for sign in (-1, 1):
            a = sign * swing
            fx = int(cx + np.sin(a) * 10 * s)
            fy = int(cy + body_h + np.cos(a) * 10 * s)
            cv2.line(img, (cx, cy + body_h - 2), (fx, fy), color,
                     max(1, int(2 * s)))
    if 'waving' in labels:
        a = -np.pi / 2 + np.sin(t * 1.2) * 1.1
        ex = int(cx + body_w + np.cos(a) * 12 * s)
        ey = int(cy - body_h // 2 + np.sin(a) * 12 * s)
        cv2.line(img, (cx + body_w, cy - body_h // 2), (ex, ey),
                 (250, 250, 80), max(1, int(2 * s)))
    if 'carrying' in labels:
        bx = cx + body_w + int(2 * s)
        cv2.rectangle(img, (bx, cy - int(3 * s)),
                      (bx + int(9 * s), cy + int(7 * s)), (255, 140, 0), -1)


def _draw_vehicle(img, x, y, color, s):
    w, h = int(22 * s), int(9 * s)
    cx, cy = int(x), int(y)
    cv2.rectangle(img, (cx - w, cy - h), (cx + w, cy + h), color, -1)
    cv2.rectangle(img, (cx - w // 2, cy - 2 * h), (cx + w // 2, cy - h),
                  tuple(int(c * 0.7) for c in color), -1)
    for wx in (cx - w + int(5 * s), cx + w - int(5 * s)):
        cv2.circle(img, (wx, cy + h), int(4 * s), (20, 20, 20), -1)


def render_clip(rng: np.random.Generator, labels: List[str],
                num_frames: int, size: int) -> List[np.ndarray]:
    """Render the high-resolution frames (RGB uint8) of one clip."""
    bg = _background(rng, size)
    s = size / 128 * rng.uniform(1.6, 2.2)
    direction = rng.choice([-1, 1])
    speed = {'walking': 1.2, 'running': 3.5, 'vehicle_moving': 2.5}
    v = next((speed[k] for k in speed if k in labels), 0.0) * size / 128
    travel = v * num_frames
    x0 = size / 2 - direction * travel / 2 + rng.uniform(-8, 8)
    y0 = size * rng.uniform(0.45, 0.6)
    color = tuple(int(c) for c in rng.integers(30, 160, size=3))
    phase = rng.uniform(0, 2 * np.pi)
    frames = []
    for t in range(num_frames):
        img = bg.copy()
        x = x0 + direction * v * t
        if 'vehicle_moving' in labels:
            _draw_vehicle(img, x, y0 + 10 * s, color, s)
        else:
            y = y0
            if 'jumping' in labels:
                y -= abs(np.sin(t * 0.45 + phase)) * 14 * s
            tilt = 0
            if 'falling' in labels:
                tilt = int(direction * min(90, 90 * t / max(1, num_frames *
                                                              0.6)))
            _draw_person(img, x, y, t + phase, labels, color, s, abs(tilt))
        img += rng.normal(0, 2.0, size=img.shape)  # sensor noise
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    return frames


def degrade(frames: List[np.ndarray], size: int,
            rng: np.random.Generator) -> List[np.ndarray]:
    """Surveillance-like low-resolution twin: area downscale, blur, noise."""
    sigma = rng.uniform(0.4, 0.9)
    out = []
    for f in frames:
        small = cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (3, 3), sigma).astype(np.float32)
        small += rng.normal(0, 4.0, size=small.shape)
        out.append(np.clip(small, 0, 255).astype(np.uint8))
    return out


def _plan(seed: int, splits) -> List[Tuple[str, dict, int]]:
    """Annotation entries for every split (cheap; no rendering)."""
    rng = np.random.default_rng(seed)
    plan = []
    idx = 0
    for split, n in splits:
        for k in range(n):
            labels = sample_labels(rng)
            frames = int(rng.integers(12, 41))
            lr = int(rng.integers(8, 33)) * 2  # even sizes 16..64 (yuv420p)
            entry = dict(
                id=f'{idx:05d}',
                video_id=f'scene_{split}_{k // 6:03d}',
                dim=[frames, lr, lr],
                label=labels)
            entry['path'] = f"{entry['video_id']}/{entry['id']}.mp4"
            plan.append((split, entry, int(rng.integers(2**31))))
            idx += 1
    return plan


def make_demo_dataset(out_dir: str,
                      seed: int = 0,
                      hr_size: int = 128,
                      splits=SPLITS,
                      progress: bool = True) -> Dict[str, str]:
    """Generate (or finish generating) the demo dataset under ``out_dir``.

    Resumable and atomic: every video and JSON is written through a
    temporary file; clips already on disk are kept; the annotation files are
    written last, so their presence means the split is complete. A
    ``manifest.json`` records the parameters; regenerating with other
    parameters into the same folder raises instead of mixing datasets.

    Returns:
        dict: paths of ``class_map`` and each split's annotation file.
    """
    params = dict(seed=seed, hr_size=hr_size, splits=[list(s) for s in splits],
                  version=VERSION)
    manifest = osp.join(out_dir, 'manifest.json')
    if osp.exists(manifest):
        with open(manifest) as f:
            old = json.load(f)
        if old != params:
            raise ValueError(
                f'{out_dir} holds a demo dataset made with {old}, not '
                f'{params}; remove the folder or choose another --out')
    write_json_atomic(manifest, params)
    plan = _plan(seed, splits)
    todo = [p for p in plan
            if not (osp.exists(osp.join(out_dir, 'videos', p[0], p[1]['path']))
                    and osp.exists(
                        osp.join(out_dir, 'videos_hr', p[0], p[1]['path'])))]
    bar = None
    if progress and todo:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(todo))
    for split, entry, clip_seed in todo:
        rng = np.random.default_rng(clip_seed)
        hr = render_clip(rng, entry['label'], entry['dim'][0], hr_size)
        lr = degrade(hr, entry['dim'][1], rng)
        write_video_atomic(
            osp.join(out_dir, 'videos_hr', split, entry['path']), hr)
        write_video_atomic(osp.join(out_dir, 'videos', split, entry['path']),
                           lr)
        if bar is not None:
            bar.update()
    paths = dict(class_map=osp.join(out_dir, 'class_map.json'))
    write_json_atomic(paths['class_map'],
                      {c: i for i, c in enumerate(CLASSES)})
    # exactly one primary motion per clip: the group-wise post-processing
    # of tools/analysis_tools/ensemble.py keeps the best-scoring predicted one
    paths['groups'] = osp.join(out_dir, 'groups.json')
    write_json_atomic(paths['groups'], dict(groups=dict(
        motion=[name for name, _ in _MOTIONS])))
    for split, _ in splits:
        entries = [e for s, e, _ in plan if s == split]
        paths[split] = osp.join(out_dir, f'tiny_{split}_v2.json')
        write_json_atomic(paths[split], entries)
    return paths


def class_counts(ann_file: str,
                 classes: Optional[Tuple[str, ...]] = CLASSES) -> dict:
    """Label counts of an annotation file (for reports)."""
    entries = read_annotation_entries(ann_file)
    counts = {c: 0 for c in classes}
    for e in entries:
        for name in e.get('label', []):
            counts[name] += 1
    return counts
