"""ONNX export: ONNX Runtime vs PyTorch CPU throughput on the demo model,
and which paper backbones export at tiny input sizes, in one run.

(demo)       ``configs/demo/demo_lr.py`` (random weights: timing only)
             exported by ``tools/deployment/export_onnx.py``'s
             ``export_onnx``; the same random clips ``(batch, 1, 3, 8, 64,
             64)`` go through ``ProbabilityModel`` (PyTorch, ``no_grad``,
             eval) and through ONNX Runtime (CPU provider), with the same
             number of threads; clips/s of each, their ratio, and the largest
             |difference| of the probabilities.
(backbones)  with ``--backbones``: each paper config (``load_from=None``,
             random weights) is exported at a tiny input (``--tiny-shape``,
             default 1 view x 3 x 8 x 32 x 32) and run by ONNX Runtime;
             printed: exported or the error, the export time and the largest
             |ONNX Runtime - PyTorch|.

Usage::

    python benchmarks/bench_onnx.py                 # demo model, ~30 s
    python benchmarks/bench_onnx.py --backbones     # + 5 paper backbones, a few minutes
"""
import argparse
import json
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import torch

import tiny_action  # noqa: F401  (compat shims first)
from tiny_action.tools.deployment import export_onnx, onnx_session, run_onnx
from bench_infer import interleaved, summarise  # noqa: E402  (same folder)

REPO = Path(__file__).resolve().parents[1]
BACKBONES = {
    'ir-CSN-152': 'configs/csn_lr.py',
    'UniFormer-B': 'configs/uniformer_lr.py',
    'R(2+1)D-34': 'configs/r2plus1d_lr.py',
    'I3D-R50': 'configs/recognition/i3d/i3d_r50_bce_8xb8-16seg-30e_tinyvirat-lr.py',
    'R3D-18': 'configs/recognition/r3d/r3d_r18_bce_8xb8-16seg-30e_tinyvirat-lr.py',
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--repeats', type=int, default=10)
    p.add_argument('--backbones', action='store_true')
    p.add_argument('--tiny-shape', type=int, nargs=5,
                   default=[1, 3, 8, 32, 32], metavar=('V', 'C', 'T', 'H', 'W'))
    p.add_argument('--json', default='', help='also write the figures here')
    return p.parse_args()


def demo_ratio(tmp: Path, args) -> dict:
    from mmengine.config import Config
    cfg = Config.fromfile(str(REPO / 'configs' / 'demo' / 'demo_lr.py'))
    info = export_onnx(cfg, None, str(tmp / 'demo.onnx'))
    model = info['model']
    session = onnx_session(str(tmp / 'demo.onnx'), args.threads)
    clips = torch.randint(0, 256, (args.batch_size, ) +
                          info['input_shape'],
                          generator=torch.Generator().manual_seed(0)).float()
    with torch.no_grad():
        ref = model(clips).numpy()
    diff = float(np.abs(run_onnx(session, clips.numpy()) - ref).max())

    def torch_run():
        with torch.no_grad():
            model(clips)

    torch_run()  # warm-up
    run_onnx(session, clips.numpy())
    n = args.batch_size
    r = summarise(interleaved(dict(
        torch=torch_run, onnx=lambda: run_onnx(session, clips.numpy())),
        args.repeats), 'torch', n)
    return dict(input_shape=list(info['input_shape']), batch_size=n,
                torch_clips_per_s=r['torch']['clips_per_s'],
                onnx_clips_per_s=r['onnx']['clips_per_s'],
                ratio_onnx_torch=r['onnx']['ratio_median'],
                ratio_onnx_torch_best=r['onnx']['ratio_best'],
                max_abs_diff=diff)


def try_backbone(name: str, config: str, shape, tmp: Path) -> dict:
    from mmengine.config import Config
    cfg = Config.fromfile(str(REPO / config))
    cfg.load_from = None
    out = tmp / f'{name}.onnx'
    start = time.perf_counter()
    try:
        info = export_onnx(cfg, None, str(out), input_shape=shape)
    except Exception as e:  # recorded: which backbones do not export
        lines = traceback.format_exception_only(type(e), e)
        return dict(backbone=name, config=config, exported=False,
                    error=lines[-1].strip()[:300])
    seconds = time.perf_counter() - start
    clips = torch.randint(0, 256, (2, ) + tuple(shape),
                          generator=torch.Generator().manual_seed(0)).float()
    with torch.no_grad():
        ref = info['model'](clips).numpy()
    try:
        got = run_onnx(onnx_session(str(out)), clips.numpy())
    except Exception as e:  # exported, but ONNX Runtime cannot run it
        return dict(backbone=name, config=config, exported=True,
                    export_s=seconds, runs=False,
                    error=str(e).splitlines()[0][:300])
    return dict(backbone=name, config=config, exported=True,
                export_s=seconds, runs=True,
                max_abs_diff=float(np.abs(got - ref).max()),
                size_mb=out.stat().st_size / 2**20)


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        demo = demo_ratio(tmp, args)
        figures['demo'] = demo
        print(f'demo model, clips {tuple(demo["input_shape"])}, batch '
              f'{demo["batch_size"]}, {args.threads} thread(s), '
              f'{args.repeats} interleaved rounds (best clips/s; ratio: '
              'median of the rounds, and of the best times):')
        print(f'  PyTorch      {demo["torch_clips_per_s"]:8.1f} clips/s')
        print(f'  ONNX Runtime {demo["onnx_clips_per_s"]:8.1f} clips/s  -> '
              f'{demo["ratio_onnx_torch"]:.2f}x PyTorch (best times: '
              f'{demo["ratio_onnx_torch_best"]:.2f}x); max |diff| '
              f'{demo["max_abs_diff"]:.2g}')
        if args.backbones:
            print(f'paper backbones at {tuple(args.tiny_shape)} '
                  '(random weights):')
            figures['backbones'] = []
            for name, config in BACKBONES.items():
                r = try_backbone(name, config, args.tiny_shape, tmp)
                figures['backbones'].append(r)
                if r['exported'] and r.get('runs'):
                    print(f'  {name:12s} exports ({r["export_s"]:.0f} s, '
                          f'{r["size_mb"]:.0f} MB), max |diff| '
                          f'{r["max_abs_diff"]:.2g}', flush=True)
                else:
                    print(f'  {name:12s} FAILS: {r["error"]}', flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == '__main__':
    main()
