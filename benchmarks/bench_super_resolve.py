"""Throughput of tools/data/super_resolve.py (``tiny_action.tools.super_resolution``) on real tiny
clips, against the bare network and a naive per-clip loop, in one run.

On the same clips (the first ``--frames`` frames of the first
``--num-clips`` clips of ``tiny_surveillance/train`` whose side is at most
``--max-side``; 0 = any side), with the same RealBasicVSRNet (mmagic; a
small one, ``--mid-channels``, **random weights: timing only, the outputs
are not super-resolution**):

(tool)   ``SuperResolveRunner.run()`` with its defaults (``--batch-size``
         auto: 1 on CPU, 8 on CUDA): decode (PyAV) -> forward -> resize to
         224 -> H.264 write (atomic) + manifest; the net is built and
         loaded before the clock starts.
(bare)   the bare net, ``net(x)``, on the same frames already in memory as
         float tensors, batched as the tool batches them (clips of equal
         size, the tool's batch size a forward); no decode, resize, write.
(bare-1) the bare net on the same tensors, one clip a forward.
(bare-8) the same, 8 clips of equal size a forward (what batching gives).
(naive)  a per-clip loop: decode -> ``net(x)`` (one forward a clip) ->
         resize to 224 -> write, one clip after the other.

Usage::

    python benchmarks/bench_super_resolve.py               # ~1-3 min
    python benchmarks/bench_super_resolve.py --max-side 0  # all sizes (slow)
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
import torch.nn.functional as F

import tiny_action  # noqa: F401  (compat shims first)
from tiny_action.datasets.transforms import TinyVideoReader
from tiny_action.tools.super_resolution import SuperResolveRunner, build_realbasicvsr_net
from tiny_action.utils.video_io import write_video_atomic

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SPLIT = REPO / '..' / 'shared' / 'data' / 'tiny_surveillance' / \
    'train'


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--split', default=str(DEFAULT_SPLIT),
                   help='folder with annotations.json and lr/')
    p.add_argument('--num-clips', type=int, default=24)
    p.add_argument('--frames', type=int, default=8)
    p.add_argument('--max-side', type=int, default=32,
                   help='use clips whose larger side is at most this (0: '
                   'any); SPyNet works at sides rounded up to 32, so larger '
                   'clips cost much more (default: 32)')
    p.add_argument('--mid-channels', type=int, default=16)
    p.add_argument('--blocks', type=int, default=2,
                   help='num_propagation_blocks = num_cleaning_blocks')
    p.add_argument('--batch-size', type=int, default=None,
                   help="the tool's --batch-size (default: its own, auto)")
    p.add_argument('--threads', type=int, default=1,
                   help='torch intra-op threads, all variants (default 1: '
                   'the CPUs here are shared)')
    p.add_argument('--repeats', type=int, default=1,
                   help='interleaved repeats; the best time of each variant '
                   'counts (default: 1)')
    p.add_argument('--json', help='also write the results here')
    return p.parse_args()


def select_clips(split: Path, num: int, frames: int,
                 max_side: int) -> List[dict]:
    entries = json.loads((split / 'annotations.json').read_text())
    chosen = []
    for e in entries:
        t, h, w = e['dim']
        if max_side and max(h, w) > max_side:
            continue
        if t < frames:
            continue
        chosen.append(e)
        if len(chosen) == num:
            break
    if len(chosen) < num:
        sys.exit(f'only {len(chosen)} clips of {split} fit --max-side '
                 f'{max_side} / --frames {frames}')
    return chosen


def make_subset(split: Path, entries: List[dict], frames: int,
                root: Path) -> Path:
    """The first ``frames`` frames of each clip, re-encoded losslessly
    (x264 crf 0) under ``root/lr`` with their own relative paths."""
    for e in entries:
        reader = TinyVideoReader(str(split / 'lr' / e['path']))
        write_video_atomic(str(root / 'lr' / e['path']),
                           list(reader.get_batch(np.arange(frames))), crf=0)
    ann = root / 'ann.json'
    ann.write_text(json.dumps([dict(e, dim=[frames] + e['dim'][1:])
                               for e in entries]))
    return ann


def to_tensor(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(frames).permute(0, 3, 1, 2).float()[None] / 255.


def to_uint8_224(y: torch.Tensor) -> np.ndarray:
    y = F.interpolate(y[0], size=(224, 224), mode='bicubic',
                      align_corners=False, antialias=True)
    return (y.clamp(0, 1) * 255).round().to(torch.uint8).permute(
        0, 2, 3, 1).numpy()


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    split = Path(args.split)
    entries = select_clips(split, args.num_clips, args.frames,
                           args.max_side)
    arch = dict(mid_channels=args.mid_channels,
                num_propagation_blocks=args.blocks,
                num_cleaning_blocks=args.blocks)
    torch.manual_seed(0)
    net = build_realbasicvsr_net(**arch)
    sizes: Dict[tuple, int] = {}
    for e in entries:
        sizes[tuple(e['dim'][1:])] = sizes.get(tuple(e['dim'][1:]), 0) + 1
    num_frames = args.frames * len(entries)
    print(f'{len(entries)} clips x {args.frames} frames ({num_frames} '
          f'frames) of {split}, sizes {dict(sorted(sizes.items()))}; '
          f'RealBasicVSRNet {arch} (random weights, timing only); '
          f'{args.threads} thread(s)', flush=True)

    best: Dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ann = make_subset(split, entries, args.frames, tmp)
        ckpt = tmp / 'random_weights.pth'
        torch.save(net.state_dict(), ckpt)
        tensors = [to_tensor(TinyVideoReader(str(tmp / 'lr' / e['path']))
                             .get_batch(np.arange(args.frames)))
                   for e in entries]
        with torch.no_grad():  # warm-up: one forward per size
            for shape in {x.shape: None for x in tensors}:
                net(torch.rand(shape))
        groups: Dict[tuple, List[torch.Tensor]] = {}
        for x in tensors:
            groups.setdefault(tuple(x.shape), []).append(x)
        counts = {}

        def tool(r):
            runner = SuperResolveRunner(
                str(ann), str(tmp / 'lr'), str(tmp / f'out_tool{r}'),
                str(ckpt), arch=arch, batch_size=args.batch_size,
                device='cpu', progress=False)
            runner.build()  # net + checkpoint: before the clock
            t0 = time.perf_counter()
            summary = runner.run()
            dt = time.perf_counter() - t0
            assert summary['done'] == len(entries), summary
            counts['tool'] = runner.batcher.num_forwards
            counts['tool_batch'] = runner.batcher.batch_size
            return dt

        def bare_batched(batch: int, key: str):

            @torch.no_grad()
            def run(r):
                t0 = time.perf_counter()
                n = 0
                for xs in groups.values():
                    for i in range(0, len(xs), batch):
                        net(torch.cat(xs[i:i + batch]))
                        n += 1
                counts[key] = n
                return time.perf_counter() - t0

            return run

        @torch.no_grad()
        def bare_single(r):
            t0 = time.perf_counter()
            for x in tensors:
                net(x)
            return time.perf_counter() - t0

        @torch.no_grad()
        def naive(r):
            t0 = time.perf_counter()
            for e in entries:
                reader = TinyVideoReader(str(tmp / 'lr' / e['path']))
                x = to_tensor(reader.get_batch(np.arange(len(reader))))
                out = to_uint8_224(net(x))
                write_video_atomic(str(tmp / f'out_naive{r}' / e['path']),
                                   list(out))
            return time.perf_counter() - t0

        best['tool'] = tool(0)  # also fixes the tool's batch size
        print(f'  repeat 0: tool    {best["tool"]:7.2f} s', flush=True)
        variants = {
            'bare': bare_batched(counts['tool_batch'], 'bare'),
            'bare-1': bare_single,
            'bare-8': bare_batched(8, 'bare-8'),
            'naive': naive,
        }
        for r in range(args.repeats):  # interleaved; the best of each
            for name in (['tool'] if r else []) + list(variants):
                dt = (tool if name == 'tool' else variants[name])(r)
                best[name] = min(best.get(name, float('inf')), dt)
                print(f'  repeat {r}: {name:7s} {dt:7.2f} s', flush=True)
    fps = {k: num_frames / v for k, v in best.items()}
    print(f'\n{"variant":8s} {"seconds":>8s} {"frames/s":>9s} forwards')
    forwards = dict(counts, **{'bare-1': len(entries),
                               'naive': len(entries)})
    for k in ('tool', 'bare', 'bare-1', 'bare-8', 'naive'):
        print(f'{k:8s} {best[k]:8.2f} {fps[k]:9.2f} {forwards[k]:8d}')
    print(f"(tool batch size: {counts['tool_batch']})")
    ratios = {
        'tool / bare (target >= 0.9)': fps['tool'] / fps['bare'],
        'tool / naive (target >= 2)': fps['tool'] / fps['naive'],
        'tool / bare-1': fps['tool'] / fps['bare-1'],
        'bare-8 / bare-1 (batching alone)': fps['bare-8'] / fps['bare-1'],
    }
    for k, v in ratios.items():
        print(f'{k:34s} {v:5.2f}x')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(args=vars(args), seconds=best, fps=fps,
                           ratios=ratios), f, indent=1)


if __name__ == '__main__':
    main()
