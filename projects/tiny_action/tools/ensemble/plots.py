"""PNG plots of the post-processing (matplotlib's Agg canvas, no pyplot, so
no global backend is touched)."""
import math
from typing import Dict, Optional, Sequence

import numpy as np

from tiny_action.utils.fileio import atomic_path

from .thresholds import f1_curve


def _save(fig, path: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    FigureCanvasAgg(fig)
    with atomic_path(path, suffix='.png') as tmp:
        fig.savefig(tmp, format='png', dpi=110)


def plot_f1_bars(path: str, classes: Sequence[str],
                 stages: Dict[str, np.ndarray],
                 support: Optional[np.ndarray] = None) -> None:
    """Grouped bars: per-class F1 of each stage (e.g. before / after).

    Args:
        path (str): Output PNG.
        classes (Sequence[str]): Class names.
        stages (dict[str, np.ndarray]): Stage name -> per-class F1 ``(C,)``.
        support (np.ndarray, optional): Positives per class, shown in the
            tick labels; classes are sorted by it (largest first).
    """
    from matplotlib.figure import Figure
    c = len(classes)
    order = (np.argsort(-np.asarray(support), kind='stable')
             if support is not None else np.arange(c))
    labels = [
        f'{classes[i]} ({int(support[i])})' if support is not None else
        classes[i] for i in order
    ]
    fig = Figure(figsize=(max(8.0, 0.45 * c + 2), 5.0))
    ax = fig.add_subplot()
    width = 0.8 / max(len(stages), 1)
    x = np.arange(c)
    for k, (name, f1) in enumerate(stages.items()):
        f1 = np.asarray(f1)
        ax.bar(x + (k - (len(stages) - 1) / 2) * width, f1[order], width,
               label=f'{name} (macro {f1.mean():.3f})')
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=70, ha='right', fontsize=7)
    ax.set_ylabel('F1')
    ax.set_ylim(0, 1.15)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_title('Per-class F1 on the labelled split (classes by support)')
    ax.legend(fontsize=8, loc='upper center', ncol=len(stages))
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    _save(fig, path)


def plot_threshold_curves(path: str, classes: Sequence[str],
                          scores: np.ndarray, labels: np.ndarray,
                          thresholds: np.ndarray,
                          show: Optional[Sequence[int]] = None,
                          max_classes: int = 12) -> None:
    """F1 versus threshold for some classes, with 0.5 and the chosen
    threshold marked.

    Args:
        path (str): Output PNG.
        classes (Sequence[str]): Class names.
        scores (np.ndarray): Scores ``(N, C)`` of the labelled split.
        labels (np.ndarray): Labels ``(N, C)``.
        thresholds (np.ndarray): Chosen thresholds ``(C,)``.
        show (Sequence[int], optional): Class indices to plot. Defaults to
            up to ``max_classes`` classes with positives, spread evenly from
            the largest to the smallest.
        max_classes (int): See ``show``. Defaults to 12.
    """
    from matplotlib.figure import Figure
    labels = np.asarray(labels).astype(bool)
    if show is None:
        support = labels.sum(axis=0)
        ranked = [int(i) for i in np.argsort(-support, kind='stable')
                  if support[i] > 0]
        if len(ranked) > max_classes:
            pick = np.linspace(0, len(ranked) - 1, max_classes).round()
            ranked = [ranked[int(i)] for i in pick]
        show = ranked
    show = list(show) or [0]
    cols = min(5, len(show))
    rows = math.ceil(len(show) / cols)
    fig = Figure(figsize=(3.0 * cols, 2.4 * rows))
    for k, c in enumerate(show):
        ax = fig.add_subplot(rows, cols, k + 1)
        t, f1 = f1_curve(scores[:, c], labels[:, c])
        ax.step(t, f1, where='post', lw=1)
        ax.axvline(0.5, color='grey', ls=':', lw=1)
        ax.axvline(thresholds[c], color='C3', ls='--', lw=1)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(f'{classes[c]} (n={int(labels[:, c].sum())})',
                     fontsize=8)
        ax.tick_params(labelsize=6)
    fig.suptitle('F1 vs threshold (dotted: 0.5, dashed: chosen)', fontsize=9)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.08, top=0.88,
                        wspace=0.3, hspace=0.6)
    _save(fig, path)
