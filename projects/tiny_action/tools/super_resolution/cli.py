"""Command line of ``tools/data/super_resolve.py``."""
import argparse
import sys
from typing import List, Optional

from tiny_action.utils.dist import setup_launcher
from .realbasicvsr import OFFICIAL_ARCH, OFFICIAL_CHECKPOINT_URL

__all__ = ['main', 'parse_args']

EPILOG = f"""\
Super-resolve a low-resolution video dataset with RealBasicVSR (mmagic) into
a twin dataset under OUT_ROOT: same relative paths and frame counts, frames
resized to --out-size (default 224x224), plus a manifest
(OUT_ROOT/sr_manifest.json). Rerunning the same command skips finished clips.

Official weights (mmagic model zoo, nothing is downloaded automatically):
  {OFFICIAL_CHECKPOINT_URL}

A trained DVSR (the TinyVIRAT method, configs/dvsr/) instead of RealBasicVSR:
  tools/data/super_resolve.py ANN LR OUT --model dvsr \\
      --config configs/dvsr/CONFIG.py --checkpoint work_dirs/CONFIG/iter_N.pth
(frames are resized to the DVSR's training input size, windows are its
in_frames, the output is in_size x scale unless --out-size is given).

Several processes / nodes (clip i goes to rank i % WORLD_SIZE):
  torchrun --nproc_per_node N tools/data/super_resolve.py ANN LR OUT \\
      --checkpoint CKPT --launcher pytorch
Several nodes: torchrun --nnodes/--node_rank/--rdzv_endpoint as usual, with
OUT_ROOT on a filesystem every node sees (the manifest is merged from the
ranks' logs there). Without a process group, RANK / WORLD_SIZE from the
environment shard the clips too (e.g. a job array); rerun any rank to refresh
the manifest. CPU threads per process: OMP_NUM_THREADS.
"""


def _size(text: str) -> int:
    value = int(text)
    if value < 0 or value % 2:
        raise argparse.ArgumentTypeError(
            f'sizes should be even and >= 0 (H.264 yuv420p), got {value}')
    return value


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        prog='super_resolve.py',
        description='Super-resolve a video dataset with RealBasicVSR (or a '
        'trained DVSR).',
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('ann_file', help='annotation JSON (TinyVIRAT v2 '
                        'list or v1 {"tubes": [...]}); its "path"s are '
                        'relative to LR_ROOT')
    parser.add_argument('lr_root', help='root of the low-resolution videos')
    parser.add_argument('out_root', help='root of the super-resolved videos')
    parser.add_argument(
        '--checkpoint', help='RealBasicVSR checkpoint: a full mmagic '
        'checkpoint (generator_ema./generator. keys) or a bare '
        'RealBasicVSRNet state dict; with --model dvsr a tools/train.py '
        'checkpoint of --config (required)')
    parser.add_argument(
        '--model', default='realbasicvsr', choices=['realbasicvsr', 'dvsr'],
        help='the generator (default: realbasicvsr)')
    parser.add_argument(
        '--config', help='--model dvsr: the DVSR training config')
    parser.add_argument(
        '--in-size', type=int, default=None,
        help='--model dvsr: frame size the DVSR was trained on (default: '
        'dvsr_input_size of --config)')
    parser.add_argument(
        '--generator-key', default='auto',
        choices=['auto', 'generator_ema', 'generator', 'bare'],
        help='generator of a full checkpoint to load (auto: generator_ema '
        'if present, else generator)')
    parser.add_argument(
        '--arch', nargs='+', action=DictAction, default={},
        metavar='KEY=VALUE',
        help='RealBasicVSRNet options; defaults to the official config: ' +
        ' '.join(f'{k}={v}' for k, v in OFFICIAL_ARCH.items()))
    parser.add_argument(
        '--out-size', nargs='+', type=_size, default=[224], metavar='S',
        help='output size: S (square) or H W; 0 keeps the x4 size '
        '(default: 224)')
    parser.add_argument(
        '--max-frames', type=int, default=None,
        help='longest window fed to the net; longer clips are cut into '
        'overlapping windows (0: whole clips) (default: 32; DVSR: its '
        'in_frames)')
    parser.add_argument('--overlap', type=int, default=4,
                        help='frames shared by neighbouring windows '
                        '(default: 4)')
    parser.add_argument(
        '--batch-size', type=int, default=None,
        help='most windows (clips or pieces of clips of equal size) per '
        'forward (default: 8 on CUDA, 1 on CPU, where batching measured '
        'slower)')
    parser.add_argument(
        '--max-batch-pixels', type=int, default=1 << 20,
        help='most input pixels (windows x frames x h x w) per forward '
        '(default: 1048576)')
    parser.add_argument(
        '--lookahead', type=int, default=64,
        help='clips held while waiting for batch mates of the same size '
        '(default: 64)')
    parser.add_argument('--device', default='auto',
                        help='auto (cuda:LOCAL_RANK if available, else cpu), '
                        'cpu, cuda or cuda:N')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch'],
                        help='pytorch: under torchrun (gloo process group)')
    parser.add_argument(
        '--on-error', default='raise', choices=['raise', 'skip'],
        help='bad clip (unreadable, no frame): raise = stop with an error '
        'naming it (default); skip = record it as failed and continue')
    parser.add_argument('--crf', type=int, default=18,
                        help='libx264 quality, 0-51 (default: 18)')
    parser.add_argument('--manifest', default=None,
                        help='merged manifest path (default: '
                        'OUT_ROOT/sr_manifest.json)')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='redo clips recorded with other settings (checkpoint, arch, '
        'size, windows, crf) instead of refusing')
    parser.add_argument('--no-progress', action='store_true',
                        help='no progress bar')
    parser.add_argument(
        '--dist-timeout', type=float, default=24.0,
        help='hours ranks wait for each other at the end (default: 24)')
    return _check_args(parser, parser.parse_args(argv))


def _check_args(parser: argparse.ArgumentParser,
                args: argparse.Namespace) -> argparse.Namespace:
    """Validate and normalise parsed arguments (``parser.error`` on bad
    combinations): the checkpoint a model needs, ``--out-size`` as a
    ``(H, W)`` tuple or None, ``--max-frames`` None for whole clips."""
    if args.model == 'dvsr':
        if not args.checkpoint or not args.config:
            parser.error('--model dvsr needs --config (the DVSR training '
                         'config) and --checkpoint (from tools/train.py)')
        if args.arch:
            parser.error('--arch options are RealBasicVSR\'s; a DVSR is '
                         'built from --config')
    elif not args.checkpoint:
        parser.error('--checkpoint is required: RealBasicVSR weights are not '
                     'downloaded automatically. Download the official ones '
                     f'from the mmagic model zoo: {OFFICIAL_CHECKPOINT_URL}')
    if len(args.out_size) > 2:
        parser.error(f'--out-size takes S or H W, got {args.out_size}')
    sizes = args.out_size * (3 - len(args.out_size))
    if (0 in sizes) and sizes != [0, 0]:
        parser.error('--out-size 0 (keep the x4 size) cannot be mixed with '
                     'a size')
    args.out_size = None if sizes == [0, 0] else tuple(sizes)
    if args.max_frames is None and args.model == 'realbasicvsr':
        args.max_frames = 32
    if args.max_frames is not None and args.max_frames < 0:
        parser.error(f'--max-frames should be >= 0, got {args.max_frames}')
    args.max_frames = args.max_frames or None
    return args


def _report(summaries: List[dict], manifest: dict, path: str) -> str:
    lines = []
    for s in summaries:
        fps = s['frames'] / s['seconds'] if s['seconds'] else 0.0
        lines.append(
            f'[rank {s["rank"]}/{s["world_size"]}] {s["clips"]} clips: '
            f'{s["done"]} done, {s["skipped"]} skipped (already done), '
            f'{len(s["failed"])} failed; {s["frames"]} frames in '
            f'{s["seconds"]:.1f} s ({fps:.2f} frames/s)')
    if len(summaries) > 1:
        lines.append(
            f'all ranks: {sum(s["clips"] for s in summaries)} clips: '
            f'{sum(s["done"] for s in summaries)} done, '
            f'{sum(s["skipped"] for s in summaries)} skipped, '
            f'{sum(len(s["failed"]) for s in summaries)} failed')
    for s in summaries:
        for f in s['failed']:
            lines.append(f'  failed: {f["path"]}: {f["error"]}')
    m = manifest['summary']
    lines.append(f'manifest {path}: {manifest["num_clips"]} clips, '
                 f'{m["done"]} done, {m["failed"]} failed, '
                 f'{m["pending"]} pending' +
                 (' (other ranks still running or not started)'
                  if m['pending'] else ''))
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool; returns the exit status (0: no error stopped the run;
    clips skipped with ``--on-error skip`` are listed, not fatal)."""
    args = parse_args(argv)
    import tiny_action  # noqa: F401  (compat shims before mmagic)
    from tiny_action.datasets import AnnotationError

    from .realbasicvsr import CheckpointError
    from .runner import ClipError, SuperResolveRunner
    try:
        rank, world_size, distributed = setup_launcher(
            args.launcher, args.dist_timeout)
        runner = SuperResolveRunner(
            args.ann_file, args.lr_root, args.out_root, args.checkpoint,
            arch=args.arch, generator_key=args.generator_key,
            out_size=args.out_size, max_frames=args.max_frames,
            overlap=args.overlap, batch_size=args.batch_size,
            max_batch_pixels=args.max_batch_pixels, lookahead=args.lookahead,
            device=args.device, rank=rank, world_size=world_size,
            on_error=args.on_error, crf=args.crf, manifest=args.manifest,
            overwrite=args.overwrite, progress=not args.no_progress,
            model=args.model, config=args.config, in_size=args.in_size)
        summary = runner.run()
    except (AnnotationError, CheckpointError, ClipError, ValueError,
            FileNotFoundError) as e:
        print(f'super_resolve.py: error: {e}', file=sys.stderr, flush=True)
        return 1
    if distributed:
        import torch.distributed as torch_dist
        from mmengine.dist import all_gather_object, barrier
        summaries = all_gather_object(summary)
        if rank == 0:
            manifest = runner.merge()
            print(_report(summaries, manifest, runner.manifest), flush=True)
        barrier()
        torch_dist.destroy_process_group()
    else:
        manifest = runner.merge()
        print(_report([summary], manifest, runner.manifest), flush=True)
    return 0
