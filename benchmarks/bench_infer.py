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
    p.add_argument('--num-clips', type=int, default=64)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--prefetch', type=int, default=2)
    p.add_argument('--window', type=int, default=24)
    p.add_argument('--stride', type=int, default=12)
    p.add_argument('--threads', type=int, default=1,
                   help='torch intra-op threads (the decoding thread comes '
                   'on top)')
    p.add_argument('--repeats', type=int, default=3,
                   help='each measure is the best of this many runs')
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
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_forward_time(inferencer, inputs, batch_size, repeats, **kwargs):
    """(seconds, clips) of ``test_step`` alone on the inputs' clips, decoded
    and collated beforehand in the inferencer's batches."""
    batches = [data for clips, data, _ in inferencer.preprocess(
        expand_inputs(inputs), batch_size, **kwargs) if clips]
    n = sum(len(d['inputs']) for d in batches)

    def run():
        with torch.no_grad():
            for data in batches:
                inferencer.model.test_step(data)

    run()  # warm-up
    return best_of(run, repeats), n


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        videos, long_video = make_clips(tmp / 'demo', args.num_clips)
        inf = TinyActionInferencer(str(CONFIG), None, device='cpu',
                                   prefetch=args.prefetch,
                                   show_progress=False)
        inf0 = TinyActionInferencer(str(CONFIG), None, device='cpu',
                                    prefetch=0, show_progress=False)
        inf0.model = inf.model
        bs, reps = args.batch_size, args.repeats
        inf(videos[:bs], batch_size=bs)  # warm-up
        t_fwd, n = bare_forward_time(inf, videos, bs, reps)
        t_inf = best_of(lambda: inf(videos, batch_size=bs), reps)
        t_inf0 = best_of(lambda: inf0(videos, batch_size=bs), reps)
        win = dict(window=args.window, stride=args.stride)
        t_wfwd, nw = bare_forward_time(inf, [long_video], bs, reps,
                                       stride=args.stride,
                                       window=args.window)
        t_win = best_of(lambda: inf([long_video], batch_size=bs, **win),
                        reps)
    fig = dict(
        clips=n, windows=nw, batch_size=bs, threads=args.threads,
        forward_clips_per_s=n / t_fwd, infer_clips_per_s=n / t_inf,
        infer_no_prefetch_clips_per_s=n / t_inf0,
        ratio_infer_forward=t_fwd / t_inf,
        ratio_infer_no_prefetch_forward=t_fwd / t_inf0,
        windows_forward_per_s=nw / t_wfwd, windows_infer_per_s=nw / t_win,
        ratio_windows_infer_forward=t_wfwd / t_win)
    print(f'{n} demo clips (8 segments, 64 px), demo recognizer (random '
          f'weights), batch {bs}, {args.threads} torch thread(s), best of '
          f'{reps}')
    print(f'  bare test_step on decoded clips : {fig["forward_clips_per_s"]:8.1f} clips/s')
    print(f'  tools/infer.py inferencer       : {fig["infer_clips_per_s"]:8.1f} clips/s'
          f'  -> {fig["ratio_infer_forward"]:.2f}x forward (target >= 0.8)')
    print(f'  ... without the decode thread   : '
          f'{fig["infer_no_prefetch_clips_per_s"]:8.1f} clips/s  -> '
          f'{fig["ratio_infer_no_prefetch_forward"]:.2f}x forward')
    print(f'  long video, {nw} windows of {args.window} every {args.stride}: '
          f'infer {fig["windows_infer_per_s"]:.1f} windows/s, forward '
          f'{fig["windows_forward_per_s"]:.1f} -> '
          f'{fig["ratio_windows_infer_forward"]:.2f}x')
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=1))


if __name__ == '__main__':
    main()
