"""Run a trained SR teacher once over its training set and cache its
knowledge (per-video class probabilities) for cached-knowledge distillation.

    python tools/misc/cache_teacher.py TEACHER_CONFIG TEACHER_CKPT OUT.json \
        [--num-views 4] [--no-flip] [--cfg-options ...]
    torchrun --nproc_per_node N tools/misc/cache_teacher.py ... --launcher pytorch

Then train with `model.knowledge_cache=OUT.json` (see configs/csn_kd_cached.py).
Sharded over ranks (clip i -> rank i % N, several nodes with torchrun's
--nnodes); each rank writes OUT.rank<r>-of-<N>.json atomically, rank 0 merges them
and checks every clip is present exactly once. A finished rank file is reused
on a rerun (resume).
"""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dist import barrier

import tiny_action  # noqa: F401
from tiny_action.tools.distillation import (cache_teacher_knowledge,
                                           knowledge_dataset, merge_caches,
                                           part_path)
from tiny_action.utils.dist import setup_launcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the SR teacher config')
    parser.add_argument('checkpoint', help='the SR teacher checkpoint')
    parser.add_argument('out', help='output JSON')
    parser.add_argument('--num-views', type=int, default=4)
    parser.add_argument('--no-flip', action='store_true')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--launcher', choices=['none', 'pytorch'],
                        default='none')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    from mmaction.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    rank, world, group = setup_launcher(args.launcher)
    part = part_path(args.out, rank, world)
    if osp.exists(part):
        print(f'[cache_teacher] rank {rank}: reusing {part}')
    else:
        cache_teacher_knowledge(cfg, args.checkpoint, part, args.num_views,
                                not args.no_flip, args.batch_size, rank,
                                world, progress=rank == 0)
    if group:
        barrier()
    if rank == 0:
        parts = [part_path(args.out, r, world) for r in range(world)]
        missing = [p for p in parts if not osp.exists(p)]
        if missing:
            print(f'[cache_teacher] waiting for ranks: {missing} missing '
                  '(run them, then rerun rank 0 to merge)')
            return
        n = len(knowledge_dataset(cfg, 1))
        count = merge_caches(parts, args.out, n)
        print(f'[cache_teacher] {args.out}: knowledge of {count} clips '
              f'({args.num_views} views{"" if args.no_flip else " x 2 flips"})')


if __name__ == '__main__':
    main()
