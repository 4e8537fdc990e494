"""Train-pipeline throughput on real tiny clips.

Compares, on the same clips and in one run (single process, no workers):

(a) tiny-action's train pipeline: TinyVideoInit -> UniformSegment(16) ->
    TinyVideoDecode -> TailFlipBalance(flip_ratio=0.5) ->
    PairedResize(112) -> FormatShape(NCTHW) -> PackTinyActionInputs
(b) mmaction's stock pipeline: DecordInit -> UniformSample(clip_len=16) ->
    DecordDecode -> Resize(scale=(112, 112), keep_ratio=False)
    (no flip / format / pack: less work than (a))
(a+sr) with ``--with-sr``: (a) on the LR clip and its ``../hr`` twin
    (PairedResize sr_scale 224), for the distillation path; no target.
(c) decode only, every frame of the clip to RGB:
    (c1) PyAV as (a) decodes (TinyVideoReader, all frames);
    (c2) decord ``get_batch(all frames)``.

decord 0.6.0 fails on frame widths 24, 48 and 72, so (b) and (c2) fail on
some clips; their failures are counted, and the ratios against them are
given on the clips they can decode (the same clips for both sides).

Usage::

    python benchmarks/bench_pipeline.py                # all 173 train clips
    python benchmarks/bench_pipeline.py --limit 40     # quick
    python benchmarks/bench_pipeline.py \
        --data ../shared/data/tiny_surveillance/val/lr
"""
import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np

import tiny_action  # noqa: F401  (compat shims + registration first)
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from tiny_action.datasets.transforms import TinyVideoReader

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / '..' / 'shared' / 'data' / 'tiny_surveillance' / \
    'train' / 'lr'


def _our_pipeline(sr_scale: Optional[tuple]) -> List[dict]:
    """Our training pipeline (16 segments, tail flip, 112 px); ``sr_scale``
    None drops the high-resolution twin, as ``PairedResize`` does."""
    return [
        dict(type='TinyVideoInit'),
        dict(type='UniformSegment', num_segments=16),
        dict(type='TinyVideoDecode'),
        dict(type='TailFlipBalance', flip_ratio=0.5),
        dict(type='PairedResize', scale=(112, 112), sr_scale=sr_scale),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackTinyActionInputs'),
    ]


def build_pipelines(
        sr_dir: Optional[Path] = None) -> Dict[str, Callable[[dict], dict]]:
    """The pipelines under comparison, built under the mmaction scope."""
    with DefaultScope.overwrite_default_scope('mmaction'):
        paired = Compose(_our_pipeline(sr_scale=(224, 224)))
        ours = Compose(_our_pipeline(sr_scale=None))
        stock = Compose([
            dict(type='DecordInit'),
            dict(type='UniformSample', clip_len=16),
            dict(type='DecordDecode'),
            dict(type='Resize', scale=(112, 112), keep_ratio=False),
        ])

    def ours_fn(path: str) -> dict:
        return ours(
            dict(filename=path, label=np.zeros(2, np.float32),
                 tail_flip=False, sample_idx=0))

    def paired_fn(path: str) -> dict:
        return paired(
            dict(filename=path, sr_filename=str(sr_dir / Path(path).name),
                 label=np.zeros(2, np.float32), tail_flip=False,
                 sample_idx=0))

    def stock_fn(path: str) -> dict:
        return stock(dict(filename=path, start_index=0, modality='RGB'))

    def pyav_all(path: str) -> np.ndarray:
        reader = TinyVideoReader(path)
        return reader.get_batch(np.arange(len(reader)))

    def decord_all(path: str) -> np.ndarray:
        import decord
        vr = decord.VideoReader(path, num_threads=1)
        return vr.get_batch(list(range(len(vr)))).asnumpy()

    fns = {'(a) tiny-action': ours_fn}
    if sr_dir is not None:
        fns['(a+sr) with SR twin'] = paired_fn
    fns.update({
        '(b) mmaction stock': stock_fn,
        '(c1) decode all, PyAV': pyav_all,
        '(c2) decode all, decord': decord_all,
    })
    return fns


def time_all(fns: Dict[str, Callable], clips: List[str],
             repeat: int) -> Dict[str, np.ndarray]:
    """Seconds per clip (NaN where the pipeline raised), best of
    ``repeat``; the pipelines run one after the other on each clip."""
    times = {name: np.full(len(clips), np.nan) for name in fns}
    for k, clip in enumerate(clips):
        for name, fn in fns.items():
            best = np.inf
            for _ in range(repeat):
                t0 = time.perf_counter()
                try:
                    fn(clip)
                except Exception:  # decord fails on some widths
                    best = np.nan
                    break
                best = min(best, time.perf_counter() - t0)
            times[name][k] = best
    return times


def rate(t: np.ndarray, mask: Optional[np.ndarray] = None) -> float:
    t = t if mask is None else t[mask]
    return len(t) / t.sum()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--data', type=Path, default=DEFAULT_DATA,
                        help='folder of clips (*.mp4); default: '
                        '../shared/data/tiny_surveillance/train/lr')
    parser.add_argument('--limit', type=int, default=None,
                        help='use only the first N clips (sorted by name)')
    parser.add_argument('--repeat', type=int, default=1,
                        help='time each clip N times, keep the best')
    parser.add_argument('--with-sr', action='store_true',
                        help='also time (a) with the SR twin from ../hr')
    args = parser.parse_args(argv)

    if not args.data.is_dir():
        print(f'no clip folder at {args.data.resolve()}', file=sys.stderr)
        return 2
    clips = sorted(str(p) for p in args.data.glob('*.mp4'))[:args.limit]
    if not clips:
        print(f'no *.mp4 clip in {args.data.resolve()}', file=sys.stderr)
        return 2

    sr_dir = None
    if args.with_sr:
        sr_dir = args.data.parent / 'hr'
        if not sr_dir.is_dir():
            print(f'--with-sr: no folder {sr_dir.resolve()}', file=sys.stderr)
            return 2

    np.random.seed(0)
    fns = build_pipelines(sr_dir)
    time_all(fns, clips[:3], 1)  # warm-up: imports, codec init
    times = time_all(fns, clips, args.repeat)

    ok_b = ~np.isnan(times['(b) mmaction stock'])
    ok_c2 = ~np.isnan(times['(c2) decode all, decord'])
    frames = [len(TinyVideoReader(c)) for c in clips]
    print(f'{len(clips)} clips from {args.data.resolve()} '
          f'({sum(frames)} frames, {min(frames)}-{max(frames)} per clip), '
          f'repeat={args.repeat}')
    print(f'{"pipeline":28s} {"clips/s":>9s} {"failed":>7s}')
    for name, t in times.items():
        failed = int(np.isnan(t).sum())
        ok = ~np.isnan(t)
        print(f'{name:28s} {rate(t, ok):9.1f} {failed:7d}')

    a = times['(a) tiny-action']
    b = times['(b) mmaction stock']
    c1 = times['(c1) decode all, PyAV']
    c2 = times['(c2) decode all, decord']
    print()
    print(f'(a) / (b)  on the {ok_b.sum()} clips (b) decodes: '
          f'{rate(a, ok_b) / rate(b, ok_b):.2f}x   (target >= 1.0x)')
    print(f'(a) / (c1) on all {len(clips)} clips:            '
          f'{rate(a) / rate(c1):.2f}x   (target >= 0.8x)')
    print(f'(a) / (c2) on the {ok_c2.sum()} clips (c2) decodes: '
          f'{rate(a, ok_c2) / rate(c2, ok_c2):.2f}x')
    return 0


if __name__ == '__main__':
    sys.exit(main())
