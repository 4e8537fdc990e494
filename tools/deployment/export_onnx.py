"""Export a trained recognizer (or the student of a distillation checkpoint)
to ONNX: test clips in, per-class probabilities out, dynamic batch axis.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out model.onnx
        [--opset 17] [--no-verify]

Input `clips`: float32 (batch, views, 3, T, H, W), RGB in [0, 255], i.e. the
config's test pipeline output; output `probs`: (batch, num_classes). The
class names are in the model's metadata (`classes`, JSON). Unless
--no-verify, ONNX Runtime runs the exported model on random clips of
batches 1 and 3 and the largest difference from PyTorch is printed (an
error above --tolerance).
"""
import argparse
import json
import sys

import numpy as np
import torch

from tiny_action.tools.deployment import export_onnx, onnx_session, run_onnx


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='the (KD or plain) config')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--no-verify', action='store_true')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest allowed |ONNX Runtime - PyTorch|')
    return parser.parse_args(argv)


def verify(out: str, model: torch.nn.Module, shape: tuple,
           seed: int = 0) -> float:
    """Max |ONNX Runtime - PyTorch| on random clips of batches 1 and 3."""
    session = onnx_session(out)
    gen = torch.Generator().manual_seed(seed)
    worst = 0.0
    for batch in (1, 3):
        clips = torch.randint(0, 256, (batch, ) + shape, generator=gen)
        with torch.no_grad():
            ref = model(clips.float()).numpy()
        got = run_onnx(session, clips.numpy())
        worst = max(worst, float(np.abs(got - ref).max()))
    return worst


def main(argv=None) -> int:
    args = parse_args(argv)
    info = export_onnx(args.config, args.checkpoint, args.out,
                       opset=args.opset)
    shape = info['input_shape']
    print(f'{args.out}: clips (batch, {", ".join(map(str, shape))}) -> '
          f'probs (batch, {len(info["classes"])}); opset {args.opset}')
    print(f'classes: {json.dumps(info["classes"])}')
    if args.no_verify:
        return 0
    diff = verify(args.out, info['model'], shape)
    print(f'ONNX Runtime vs PyTorch: max abs difference {diff:.3g} '
          f'(tolerance {args.tolerance:g})')
    if diff > args.tolerance:
        print(f'error: {args.out} differs from PyTorch by {diff:.3g} > '
              f'{args.tolerance:g}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
