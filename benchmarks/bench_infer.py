"""Throughput of tools/infer.py (``TinyActionInferencer``) against the bare
model forward on the same decoded clips, in one run.

On freshly generated demo clips (``--num-clips`` low-res test clips of the
embedded demo dataset, 12-40 frames, 16-64 px) and the demo recognizer
(``configs/demo/demo_lr.py``, **random weights: timing only**):

(infer)     ``inferencer(videos, batch_size=B)``: list the files, decode
            (PyAV), the config's test pipeline, collate, ``test_step``,
            thresholds; decoding runs in a background thread, ``--prefetch``
            batches ahead, overlapping the forward. The model is built
            before the clock starts.
(infer-p0)  the same without the background thread (decode, then forward).
(forward)   the bare ``model.test_step`` on the same clips, already decoded,
            transformed and collated in memory, in the same batches.
(windows)   the inferencer on one long video (the clips concatenated,
            resized to 64 px) cut into windows (``--window``, ``--stride``),
            against the bare forward on the same windows.

Target: infer / forward >= 0.8 (decoding and I/O must not dominate).

Usage::

    python benchmarks/bench_infer.py                # ~1 min on 2 cores
    python benchmarks/bench_infer.py --threads 2 --batch-size 16
"""
import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import tiny_action  # noqa: F401  (compat shims first)
from tiny_action.apis import TinyActionInferencer, expand_inputs

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / 'configs' / 'demo' / 'demo_lr.py'


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--config', default=str(CONFIG),
                   help='the recognizer (random weights), e.g. a paper '
                   'config for a paper-sized forward')
    p.add_argument('--num-clips', type=int, default=64)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--prefetch', type=int, default=2)
    p.add_argument('--window', type=int, default=24)
    p.add_argument('--stride', type=int, default=12)
    p.add_argument('--threads', type=int, default=1,
                   help='torch intra-op threads (the decoding thread comes '
                   'on top)')
    p.add_argument('--repeats', type=int, default=5,
                   help='rounds; the measures take turns within a round')
    p.add_argument('--json', default='', help='also write the figures here')
    return p.parse_args()


def make_clips(folder: Path, num_clips: int):
    """The demo dataset's test split with ``num_clips`` clips, and a long
    video of all of them (64 px); returns (clip paths, long video path)."""
    from tiny_action.tools.demo.data import make_demo_dataset
    from tiny_action.tools.demo.long_video import concat_clips
    make_demo_dataset(str(folder), seed=7, splits=(('test', num_clips), ),
                      progress=False)
    ann = json.loads((folder / 'tiny_test_v2.json').read_text())
    videos = [str(folder / 'videos' / 'test' / e['path']) for e in ann]
    long_video = folder / 'long.mp4'
    concat_clips(videos, str(long_video), size=64)
    return videos, str(long_video)


def best_of(fn, repeats: int) -> float:
    """Best wall time of ``repeats`` calls of ``fn``."""
    return min(interleaved(dict(f=fn), repeats)['f'])


def interleaved(fns: dict, repeats: int) -> dict:
    """Wall times of each function over ``repeats`` rounds, the functions
    taking turns within a round (so a busy spell of a shared machine hits
    them alike); returns ``{name: [seconds per round]}``."""
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def forward_batches(inferencer, inputs, batch_size, **kwargs):
    """(a function running ``test_step`` alone on the inputs' clips,
    decoded and collated beforehand in the inferencer's batches; the number
    of clips)."""
    batches = [data for clips, data, _ in inferencer.preprocess(
        expand_inputs(inputs), batch_size, **kwargs) if clips]

    def run():
        with torch.no_grad():
            for data in batches:
                inferencer.model.test_step(data)

    return run, sum(len(d['inputs']) for d in batches)


def summarise(times: dict, ref: str, n: int) -> dict:
    """Best clips/s of each and, against ``ref``, the median of the
    per-round ratios (paired) and the ratio of the best times."""
    out = {}
    for name, ts in times.items():
        out[name] = dict(clips_per_s=n / min(ts))
        if name != ref:
            paired = [r / t for r, t in zip(times[ref], ts)]
            out[name].update(ratio_median=float(np.median(paired)),
                             ratio_best=min(times[ref]) / min(ts))
    return out


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        videos, long_video = make_clips(tmp / 'demo', args.num_clips)
        inf = TinyActionInferencer(args.config, None, device='cpu',
                                   prefetch=args.prefetch,
                                   show_progress=False)
        inf0 = TinyActionInferencer(args.config, None, device='cpu',
                                    prefetch=0, show_progress=False)
        inf0.model = inf.model
        bs, reps = args.batch_size, args.repeats
        inf(videos[:bs], batch_size=bs)  # warm-up
        forward, n = forward_batches(inf, videos, bs)
        shape = tuple(next(data for clips, data, _ in inf.preprocess(
            expand_inputs(videos[:1])) if clips)['inputs'][0].shape)
        forward()
        clips = summarise(interleaved(dict(
            forward=forward,
            infer=lambda: inf(videos, batch_size=bs),
            infer_no_prefetch=lambda: inf0(videos, batch_size=bs)), reps),
            'forward', n)
        win = dict(window=args.window, stride=args.stride)
        wforward, nw = forward_batches(inf, [long_video], bs, **win)
        windows = summarise(interleaved(dict(
            forward=wforward,
            infer=lambda: inf([long_video], batch_size=bs, **win)), reps),
            'forward', nw)
    fig = dict(clips=n, windows=nw, batch_size=bs, threads=args.threads,
               repeats=reps, clip_results=clips, window_results=windows)
    print(f'{n} demo clips, {Path(args.config).name} (random weights, '
          f'clips {shape}), batch {bs}, {args.threads} torch thread(s), {reps} '
          'interleaved rounds (best clips/s; ratio: median of the rounds, '
          'and of the best times)')
    rows = [('bare test_step on decoded clips', clips['forward']),
            ('tools/infer.py inferencer', clips['infer']),
            ('... without the decode thread', clips['infer_no_prefetch']),
            (f'long video, {nw} windows: forward', windows['forward']),
            ('long video: tools/infer.py --window', windows['infer'])]
    for name, r in rows:
        line = f'  {name:38s} {r["clips_per_s"]:8.1f} clips/s'
        if 'ratio_median' in r:
            line += (f'  -> {r["ratio_median"]:.2f}x forward (best times: '
                     f'{r["ratio_best"]:.2f}x)')
        print(line)
    print('  target: tools/infer.py >= 0.8x forward')
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=1))


if __name__ == '__main__':
    main()
