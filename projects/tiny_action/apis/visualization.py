"""Pictures of multi-label predictions: an upscaled video (MP4 or GIF) with
the per-class probabilities drawn beside it, a still of its middle frame
(PNG), and for long videos a timeline of the probabilities over windows.

Text and bars are drawn with mmengine's :class:`Visualizer` (mmaction's
``ActionVisualizer`` draws single-label ``pred_label`` and reads videos with
decord, which fails on tiny frame widths); a label panel is drawn once per
clip or window and pasted beside every frame.
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.visualization import Visualizer

from tiny_action.utils.fileio import atomic_path
from tiny_action.utils.video_io import write_video_atomic

__all__ = [
    'OUT_TYPES', 'render_panel', 'AnnotatedFrames', 'write_annotated',
    'plot_timeline', 'nearest_window', 'output_stem'
]

#: ``out_type`` -> file ending (``'video'`` as in mmaction2's inferencer)
OUT_TYPES = {'video': 'mp4', 'gif': 'gif'}
_ON, _OFF = (60, 200, 90), (150, 150, 150)


def _visualizer() -> Visualizer:
    return Visualizer.get_instance('tiny_action_inference')


def _fit(font: int, chars: int, width: int) -> int:
    """The largest font size up to ``font`` at which ``chars`` monospace
    characters fit in ``width`` pixels (at least 6)."""
    return max(6, min(font, int(width / (0.85 * max(chars, 1)))))


def render_panel(classes: Sequence[str], scores: Sequence[float],
                 predicted: Sequence[bool], thresholds: Sequence[float],
                 title: str, height: int, width: int = 240,
                 top_k: int = 8) -> np.ndarray:
    """A ``(height, width, 3)`` RGB panel: ``title``, then the ``top_k``
    classes by probability, each with a bar, its probability and a tick at
    its threshold; predicted classes in green.

    Args:
        classes (Sequence[str]): Class names.
        scores (Sequence[float]): Probabilities ``(C,)``.
        predicted (Sequence[bool]): Final labels ``(C,)`` (after thresholds
            and group exclusion).
        thresholds (Sequence[float]): Per-class thresholds ``(C,)``.
        title (str): First line (e.g. the clip name or the window).
        height (int): Panel height (the frame height).
        width (int): Panel width. Defaults to 240.
        top_k (int): Classes listed. Defaults to 8.
    """
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind='stable')[:top_k]
    row = height / (len(order) + 1.5)
    font = int(np.clip(row * 0.42, 7, 14))
    vis = _visualizer()
    vis.set_image(np.full((height, width, 3), 24, dtype=np.uint8))
    vis.draw_texts(title, np.array([[4, 3]]),
                   font_sizes=_fit(font, len(title), width - 8),
                   colors=(240, 240, 240), font_families='monospace')
    bar_x0, bar_x1 = 4, width - 4
    for r, c in enumerate(order):
        y = (r + 1.2) * row
        on = bool(predicted[c])
        color = _ON if on else _OFF
        x_end = bar_x0 + (bar_x1 - bar_x0) * float(scores[c])
        vis.draw_bboxes(np.array([[bar_x0, y + row * 0.55, max(x_end, bar_x0
                                                                + 1),
                                   y + row * 0.9]]),
                        edge_colors=color, face_colors=color, line_widths=0,
                        alpha=0.9)
        tick = bar_x0 + (bar_x1 - bar_x0) * float(thresholds[c])
        vis.draw_lines(np.array([tick, tick]),
                       np.array([y + row * 0.45, y + row * 0.98]),
                       colors=(250, 250, 250), line_widths=1)
        text = f'{"*" if on else " "}{classes[c][:22]} {scores[c]:.2f}'
        vis.draw_texts(text, np.array([[bar_x0, y]]),
                       font_sizes=_fit(font, 28, width - 8),
                       colors=color, font_families='monospace')
    return vis.get_image()


class AnnotatedFrames(Sequence):
    """The annotated frames of one video, made one at a time when read (a
    long video is never held upscaled in memory).

    Args:
        read_frame (Callable[[int], np.ndarray]): Frame ``i`` as ``(H, W,
            3)`` uint8 RGB.
        num_frames (int): Frames in the video.
        panel_of (Callable[[int], np.ndarray]): The panel of frame ``i``
            (``(height, panel_width, 3)``).
        height (int): Height of the output frames (even).
    """

    def __init__(self, read_frame: Callable[[int], np.ndarray],
                 num_frames: int, panel_of: Callable[[int], np.ndarray],
                 height: int) -> None:
        self.read_frame = read_frame
        self.num_frames = num_frames
        self.panel_of = panel_of
        self.height = height

    def __len__(self) -> int:
        return self.num_frames

    def __getitem__(self, i: int) -> np.ndarray:
        if not 0 <= i < self.num_frames:
            raise IndexError(i)
        frame = self.read_frame(i)
        h, w = frame.shape[:2]
        width = max(2, int(round(w * self.height / h / 2)) * 2)
        big = cv2.resize(frame, (width, self.height),
                         interpolation=cv2.INTER_NEAREST)
        return np.ascontiguousarray(np.hstack([big, self.panel_of(i)]))


def write_annotated(path: str, frames: AnnotatedFrames, fps: float,
                    out_type: str = 'video') -> str:
    """Write ``frames`` as ``path`` + ``.mp4`` (``out_type='video'``) or
    ``.gif`` (atomically) and
    their middle frame as ``path`` + ``.png``; returns the video's path."""
    if out_type not in OUT_TYPES:
        raise ValueError(f'`out_type` should be one of {tuple(OUT_TYPES)}, '
                         f'but got {out_type!r}')
    fps = float(fps) if fps and fps > 0 else 25.0
    out = f'{path}.{OUT_TYPES[out_type]}'
    if out_type == 'video':
        write_video_atomic(out, frames, fps=int(round(fps)))
    else:
        import imageio.v2 as imageio
        with atomic_path(out, suffix='.gif') as tmp:
            with imageio.get_writer(tmp, mode='I', format='GIF',
                                    duration=1000.0 / fps, loop=0) as w:
                for frame in frames:
                    w.append_data(frame)
    still = frames[len(frames) // 2]
    with atomic_path(f'{path}.png', suffix='.png') as tmp:
        cv2.imwrite(tmp, cv2.cvtColor(still, cv2.COLOR_RGB2BGR))
    return out


def plot_timeline(path: str, classes: Sequence[str],
                  windows: List[Dict], thresholds: Sequence[float],
                  fps: Optional[float], title: str,
                  max_classes: int = 8) -> str:
    """Plot the per-class probabilities of the windows of a long video
    against time (window centres) to ``path`` (PNG, atomically): the
    ``max_classes`` classes with the highest peak, each with its threshold
    (dashed) and, below, the windows where it is a final label.

    Args:
        path (str): Output PNG.
        classes (Sequence[str]): Class names.
        windows (list[dict]): ``start``, ``end``, ``scores`` (``(C,)``) and
            ``predicted`` (bool ``(C,)``) of each window, in time order.
        thresholds (Sequence[float]): Per-class thresholds.
        fps (float, optional): Frame rate; None plots frame numbers.
        title (str): Plot title.
        max_classes (int): Classes drawn. Defaults to 8.

    Returns:
        str: ``path``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    scores = np.array([w['scores'] for w in windows], dtype=np.float64)
    preds = np.array([w['predicted'] for w in windows], dtype=bool)
    unit = float(fps) if fps else 1.0
    centres = np.array([(w['start'] + w['end']) / 2 for w in windows]) / unit
    spans = [(w['start'] / unit, w['end'] / unit) for w in windows]
    shown = np.argsort(-scores.max(axis=0), kind='stable')[:max_classes]
    fig, (ax, bx) = plt.subplots(
        2, 1, figsize=(9, 4.2), dpi=100, sharex=True,
        gridspec_kw=dict(height_ratios=[3, 1.3]))
    cmap = plt.get_cmap('tab10')
    for k, c in enumerate(shown):
        color = cmap(k % 10)
        ax.plot(centres, scores[:, c], '-o', ms=3, color=color,
                label=classes[c])
        ax.axhline(thresholds[c], color=color, ls='--', lw=0.7, alpha=0.6)
        bars = [(a, b - a) for (a, b), on in zip(spans, preds[:, c]) if on]
        bx.broken_barh(bars, (k - 0.4, 0.8), color=color, alpha=0.6)
    ax.set_ylim(0, 1)
    ax.set_ylabel('probability')
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.0, 1.0))
    bx.set_yticks(range(len(shown)))
    bx.set_yticklabels([classes[c] for c in shown], fontsize=6)
    bx.set_ylim(len(shown) - 0.5, -0.5)
    bx.set_ylabel('labels', fontsize=8)
    bx.set_xlabel('time (s)' if fps else 'frame')
    fig.tight_layout()
    with atomic_path(path, suffix='.png') as tmp:
        fig.savefig(tmp)
    plt.close(fig)
    return path


def nearest_window(bounds: Sequence[Tuple[int, int]]) -> Callable[[int],
                                                                   int]:
    """Index of the window whose centre is nearest to frame ``i`` (the
    earlier one on a tie), as a function of ``i``."""
    centres = np.array([(s + e - 1) / 2 for s, e in bounds])

    def of(i: int) -> int:
        return int(np.argmin(np.abs(centres - i)))

    return of


def output_stem(out_dir: str, name: str, index: int) -> str:
    """``out_dir/<file name without extension>`` (``array_<i>`` for an
    array input)."""
    base = (osp.splitext(osp.basename(name))[0]
            if not name.startswith('<') else f'array_{index}')
    return osp.join(out_dir, base)
