"""Checking a TinyVIRAT annotation file against its video root(s).

Used by ``tools/data/validate_data.py``. Every problem is a :class:`Finding` that
names the annotation entry and the file; nothing is dropped silently.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

from tiny_action.utils.fileio import atomic_path
from tiny_action.datasets.tinyvirat_dataset import TinyVIRATDataset
from tiny_action.datasets.transforms.loading import TinyVideoReader

#: Findings of these kinds make the tool exit non-zero.
ERRORS = ('malformed', 'unknown_label', 'duplicate_id', 'missing_video',
          'unreadable_video', 'missing_sr', 'unreadable_sr',
          'sr_frames_mismatch')
#: Reported, but not errors (TinyVIRAT itself has 2-frame clips, ``dim``
#: is informative only: decoding uses the real frame count, and an empty
#: label list is a valid all-negative sample, if a suspicious one).
WARNINGS = ('short_clip', 'dim_mismatch', 'empty_label')


@dataclass
class Finding:
    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f'[{self.kind}] {self.where}: {self.message}'


@dataclass
class Report:
    """What :func:`validate` found."""
    ann_file: str
    classes: List[str]
    class_counts: List[int]
    num_entries: int = 0
    num_checked: int = 0
    frames: List[int] = field(default_factory=list)
    sizes: List[int] = field(default_factory=list)
    findings: List[Finding] = field(default_factory=list)

    def count(self, kinds: Sequence[str]) -> Dict[str, int]:
        out: Dict[str, int] = {}
        for f in self.findings:
            if f.kind in kinds:
                out[f.kind] = out.get(f.kind, 0) + 1
        return out

    @property
    def num_errors(self) -> int:
        return sum(self.count(ERRORS).values())


def _probe(path: str):
    reader = TinyVideoReader(path)
    return len(reader), reader.shape


def validate(ann_file: str,
             class_map: Union[str, Sequence[str], Dict[str, int]],
             video_root: str,
             sr_root: Optional[str] = None,
             min_frames: int = 16,
             decode: bool = True,
             progress: bool = True) -> Report:
    """Scan ``ann_file`` and its videos.

    Args:
        ann_file: TinyVIRAT v2 (list) or v1 (``tubes``) annotation JSON.
        class_map: as :class:`TinyVIRATDataset`.
        video_root: root of the (low-res) videos, ``path`` is relative to it.
        sr_root: optional root of the super-resolved twins.
        min_frames: clips with fewer frames are reported as ``short_clip``
            (a warning: they are sampled with repeated frames).
        decode: open every video to read its real frame count and size.
        progress: show a progress bar.

    Raises:
        AnnotationError: the file itself is not valid JSON of the expected
            form, or has no entry (nothing else can be checked then).
    """
    prefix = dict(video=video_root)
    if sr_root is not None:
        prefix['sr'] = sr_root
    # lazy: the dataset would refuse a file whose every entry is bad, and
    # here every problem is to be listed. Without decoding, each video is
    # still opened (probe_videos) to find unreadable and truncated ones.
    ds = TinyVIRATDataset(ann_file, [], class_map=class_map,
                          data_prefix=prefix, on_error='skip',
                          probe_videos=not decode, serialize_data=False,
                          lazy_init=True)
    data_list = ds.load_data_list()
    report = Report(ann_file, list(ds.classes), ds.class_counts.tolist())
    for kind, items in ds.skipped.items():
        for item in items:
            where, _, message = item.partition(': ')
            report.findings.append(Finding(kind, where, message))
    for where in ds.empty_label:
        report.findings.append(Finding(
            'empty_label', where, 'empty label list (used as all-negative)'))
    report.num_entries = len(data_list) + sum(map(len, ds.skipped.values()))
    if not decode:
        return report
    bar = None
    if progress and data_list:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(data_list))
    for info in data_list:
        where = f'entry id {info["id"]!r} ({info["filename"]})'
        try:
            frames, (h, w) = _probe(info['filename'])
        except (OSError, ValueError) as e:
            report.findings.append(Finding('unreadable_video', where, str(e)))
            frames = None
        if frames is not None:
            report.num_checked += 1
            report.frames.append(frames)
            report.sizes.append(max(h, w))
            if frames < min_frames:
                report.findings.append(Finding(
                    'short_clip', where,
                    f'{frames} frames (< {min_frames}); sampled with '
                    'repeated frames'))
            dim = info.get('dim')
            if dim is not None and list(dim) != [frames, h, w]:
                report.findings.append(Finding(
                    'dim_mismatch', where,
                    f'annotation dim {list(dim)} but the file has '
                    f'[{frames}, {h}, {w}]'))
            if 'sr_filename' in info:
                try:
                    sr_frames, _ = _probe(info['sr_filename'])
                    if sr_frames != frames:
                        report.findings.append(Finding(
                            'sr_frames_mismatch', where,
                            f'{info["sr_filename"]} has {sr_frames} frames, '
                            f'the low-res clip {frames}'))
                except (OSError, ValueError) as e:
                    report.findings.append(
                        Finding('unreadable_sr', where, str(e)))
        if bar is not None:
            bar.update()
    return report


def plot_class_distribution(report: Report, out_file: str) -> None:
    """Bar chart of label counts per class (log scale), sorted, as PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    order = sorted(range(len(report.classes)),
                   key=lambda i: -report.class_counts[i])
    counts = [report.class_counts[i] for i in order]
    names = [report.classes[i] for i in order]
    fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(names) + 2), 4.5))
    bars = ax.bar(range(len(names)), [max(c, 0.8) for c in counts],
                  color='tab:blue')
    for b, c in zip(bars, counts):
        ax.text(b.get_x() + b.get_width() / 2, max(c, 0.8), str(c),
                ha='center', va='bottom', fontsize=7)
    ax.set_yscale('log')
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=60, ha='right', fontsize=8)
    ax.set_ylabel('clips with the label (log)')
    ax.set_title(f'{osp.basename(report.ann_file)}: '
                 f'{report.num_entries} entries, {len(names)} classes')
    fig.tight_layout()
    with atomic_path(out_file, suffix='.png') as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)
