"""CPU train-step time of every shipped config at the tiny test size.

For each config under ``configs/`` (``_base_`` excluded), in one process and
one after the other: load it with every external weight disabled (no
download: ``load_from`` and ``pretrained`` -> None, a random distillation
teacher), build the model at full width, build the config's own optimizer
(``optim_wrapper``), then time ``model.train_step`` (forward, loss,
backward, gradient clipping, AdamW step) on a fake batch of the size that
``tests/configs/test_configs.py`` trains: 2 clips x 3 x 4 frames x 32 x 32
(8 frames where the stem needs them: I3D). One untimed warm-up step, then
``--steps`` timed steps; the table gives their median and minimum.

These are not training-speed numbers for the real input (16 x 112 x 112,
batch 8): at 32 x 32 the step is dominated by the per-parameter work
(weight gradients, AdamW), so it mostly ranks the models by size/depth and
tells how long the tests take.

Usage::

    python benchmarks/bench_train_step.py               # every config
    python benchmarks/bench_train_step.py --steps 5 --threads 2
    python benchmarks/bench_train_step.py --only csn uniformer
"""
import argparse
import gc
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import tiny_action  # noqa: F401  (compat shims + registration first)

import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

REPO = Path(__file__).resolve().parents[1]


def _test_helpers():
    """The config helpers of tests/configs/test_configs.py (same tiny size
    and fake batch as the tests)."""
    path = REPO / 'tests' / 'configs' / 'test_configs.py'
    spec = importlib.util.spec_from_file_location('_test_configs', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_config(helpers, path: Path, steps: int, tmp_dir: Path) -> dict:
    cfg = helpers.load_offline(path, tmp_dir)
    model = helpers.build_model(cfg)
    model.train()
    with DefaultScope.overwrite_default_scope('mmaction'):
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    data = helpers.fake_batch(cfg.model)
    backbone = helpers._backbone_cfg(cfg.model)['type']
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    shape = 'x'.join(map(str, (len(data['inputs']), ) +
                         tuple(data['inputs'][0].shape[1:])))
    torch.manual_seed(0)
    model.train_step(data, optim_wrapper)  # warm-up, untimed
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        log_vars = model.train_step(data, optim_wrapper)
        times.append(time.perf_counter() - start)
    loss = float(log_vars['loss'].detach())
    del model, optim_wrapper
    gc.collect()
    return dict(backbone=backbone, params=params / 1e6, shape=shape,
                median=statistics.median(times), min=min(times), loss=loss)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--steps', type=int, default=3,
                        help='timed steps per config (default 3)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (default 1, as the tests)')
    parser.add_argument('--only', nargs='+', default=None,
                        help='keep configs whose path contains any of these')
    args = parser.parse_args()
    if args.steps < 1 or args.threads < 1:
        parser.error('--steps and --threads should be positive integers')
    torch.set_num_threads(args.threads)
    helpers = _test_helpers()
    paths = [p for p in helpers.SHIPPED
             if not args.only or any(s in helpers.rel(p) for s in args.only)]
    if not paths:
        parser.error(f'no config matches {args.only}')
    print(f'torch {torch.__version__}, {args.threads} thread(s), '
          f'{os.cpu_count()} CPUs, load average before: '
          f'{" ".join(f"{x:.2f}" for x in os.getloadavg())}; '
          f'{args.steps} timed steps after 1 warm-up', flush=True)
    rows, failed = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            name = helpers.rel(path)
            try:
                r = bench_config(helpers, path, args.steps, Path(tmp))
            except Exception as e:  # report and go on with the others
                failed += 1
                rows.append(f'| {name} | failed: {type(e).__name__}: '
                            f'{str(e).splitlines()[0][:80]} | | | | |')
                print(rows[-1], flush=True)
                continue
            rows.append(f'| {name} | {r["backbone"]} | {r["params"]:.1f} | '
                        f'{r["shape"]} | {r["median"]:.2f} | {r["min"]:.2f} |')
            print(rows[-1], flush=True)
    print(f'\nload average after: '
          f'{" ".join(f"{x:.2f}" for x in os.getloadavg())}\n')
    print('| config | backbone | params (M) | input N×C×T×H×W | '
          'train step median (s) | min (s) |')
    print('|---|---|---|---|---|---|')
    print('\n'.join(rows))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
